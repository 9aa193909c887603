// CSV export of a snapshot, fetched page by page in the background with progress and a cancel.
import { call } from './api/client';

const cell = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function exportSnapshotCsv(
  loc: string,
  shard: string,
  asOf: number,
  total: number,
  onProgress: (done: number) => void,
  cancelled: () => boolean,
): Promise<Blob | null> {
  const parts: string[] = ['key,val,time,diff\n'];
  const limit = 10_000;
  for (let offset = 0; offset < total; offset += limit) {
    if (cancelled()) return null;
    const page = await call('shard.snapshot', { location: loc, shard, asOf, offset, limit });
    parts.push(page.rows.map((r) => `${cell(r.key)},${cell(r.val)},${r.time},${r.diff}\n`).join(''));
    onProgress(Math.min(total, offset + page.rows.length));
  }
  return new Blob(parts, { type: 'text/csv' });
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
