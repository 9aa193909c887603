// Export of a snapshot (or the rows matching the Data tab's filter), page by page in the
// background with rows and bytes done, and a cancel. Pages go straight to a sink: a file the user
// picked (Electron's save dialog, through showSaveFilePicker) or, on the web host, a download
// assembled from one Blob per page (the browser keeps big blobs on disk, not in the JS heap).
import { call } from './api/client';
import { EXPORT_TYPES, type ExportFormat } from './export-format';

export interface ExportProgress {
  rows: number;
  bytes: number;
  total: number;
}

export interface ExportSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

const PAGE = 10_000;

export async function exportSnapshot(opts: {
  loc: string;
  shard: string;
  asOf: number;
  total: number;
  filter: { keyContains?: string; valContains?: string };
  format: ExportFormat;
  sink: ExportSink;
  onProgress: (p: ExportProgress) => void;
  cancelled: () => boolean;
}): Promise<ExportProgress | null> {
  const t = EXPORT_TYPES[opts.format];
  const enc = new TextEncoder();
  const done: ExportProgress = { rows: 0, bytes: 0, total: opts.total };
  try {
    if (t.header) {
      const h = enc.encode(t.header);
      await opts.sink.write(h);
      done.bytes += h.byteLength;
    }
    for (let offset = 0; offset < opts.total; offset += PAGE) {
      if (opts.cancelled()) {
        await opts.sink.abort();
        return null;
      }
      const page = await call('shard.snapshot', { location: opts.loc, shard: opts.shard, asOf: opts.asOf, offset, limit: PAGE, ...opts.filter });
      let text = '';
      for (const r of page.rows) text += t.line(r);
      const bytes = enc.encode(text);
      await opts.sink.write(bytes);
      done.rows += page.rows.length;
      done.bytes += bytes.byteLength;
      opts.onProgress({ ...done });
      if (page.rows.length < PAGE) break;
    }
    await opts.sink.close();
    return done;
  } catch (e) {
    await opts.sink.abort().catch(() => undefined);
    throw e;
  }
}

/** Web host: a download of the pages, one Blob each. */
export function downloadSink(name: string, mime: string): ExportSink {
  let parts: Blob[] = [];
  return {
    write: async (chunk) => void parts.push(new Blob([chunk as BlobPart])),
    close: async () => {
      const url = URL.createObjectURL(new Blob(parts, { type: mime }));
      parts = [];
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
    abort: async () => void (parts = []),
  };
}

interface SaveFilePicker {
  showSaveFilePicker(o: { suggestedName: string; types: { description: string; accept: Record<string, string[]> }[] }): Promise<{
    createWritable(): Promise<{ write(d: Uint8Array): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
  }>;
}

export const canPickSaveFile = () => typeof (window as unknown as Partial<SaveFilePicker>).showSaveFilePicker === 'function';

/** Electron: the native save dialog, then the pages streamed to that file. Null when cancelled. */
export async function fileSink(name: string, format: ExportFormat): Promise<ExportSink | null> {
  const t = EXPORT_TYPES[format];
  let handle;
  try {
    handle = await (window as unknown as SaveFilePicker).showSaveFilePicker({
      suggestedName: name,
      types: [{ description: format === 'csv' ? 'CSV' : 'JSON Lines', accept: { [t.mime]: [`.${t.ext}`] } }],
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
  const w = await handle.createWritable();
  return { write: (c) => w.write(c), close: () => w.close(), abort: () => w.abort() };
}
