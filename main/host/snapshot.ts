// Snapshots for the Data tab: read once per (shard, as_of) with a bounded-memory cursor, formatted
// to text in chunks that yield to the event loop (main stays responsive), cached, and paged out.
// A snapshot at a readable as_of never changes, so a cached one stays right.
import type { ReadHandle } from '../../engine/index.js';
import type { DataRow, SnapshotPage } from '../../preload/contract.js';
import { formatterFor } from './codecs.js';

/** Rows kept per snapshot; beyond this the Data tab says the snapshot was cut. */
export const MAX_SNAPSHOT_ROWS = 1_000_000;
const CACHED_SNAPSHOTS = 3;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * A snapshot being read: rows grow as the cursor yields them (its merge is streaming, so every row
 * yielded is final and in order); pages already read are answered before the read finishes.
 */
class Loading {
  readonly rows: DataRow[] = [];
  done = false;
  error: unknown = null;
  private waiters = new Set<() => void>();
  readonly finished: Promise<DataRow[]>;

  constructor(run: (l: Loading) => Promise<void>) {
    this.finished = run(this).then(
      () => {
        this.done = true;
        this.wake();
        return this.rows;
      },
      (e: unknown) => {
        this.error = e;
        this.done = true;
        this.wake();
        throw e;
      },
    );
    this.finished.catch(() => undefined);
  }

  /** Resolves once `n` rows are read or the read is over (rejects if it failed). */
  async until(n: number): Promise<void> {
    while (!this.done && this.rows.length < n) await new Promise<void>((r) => this.waiters.add(r));
    if (this.error) throw this.error;
  }

  /** Called by the reader after each chunk, and at the end: wakes every waiter to re-check. */
  wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

interface Entry {
  loading: Loading;
  /** the last filter's matching row indexes (a filtered table pages through the same filter) */
  filtered?: { key: string; rows: Promise<Uint32Array> };
}

export interface RowFilter {
  keyContains?: string;
  valContains?: string;
  /** answer a page as soon as it is read (the Data tab's first paint), not after the whole snapshot */
  partial?: boolean;
}

/** Indexes of the rows that match, in chunks that yield (a 1M-row scan must not stall main). */
async function matching(rows: DataRow[], f: RowFilter): Promise<Uint32Array> {
  const out = new Uint32Array(rows.length);
  let n = 0;
  const k = f.keyContains ?? '';
  const v = f.valContains ?? '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if ((k === '' || r.key.includes(k)) && (v === '' || r.val.includes(v))) out[n++] = i;
    if (i % 65_536 === 65_535) await yieldToLoop();
  }
  return out.slice(0, n);
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();

  async page(
    shard: string,
    asOf: number,
    codecs: { key: string; val: string },
    openReader: () => Promise<ReadHandle<unknown, unknown>>,
    offset: number,
    limit: number,
    filter: RowFilter = {},
  ): Promise<SnapshotPage> {
    const key = `${shard}@${asOf}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // LRU: re-insert as newest
    } else {
      const e: Entry = { loading: new Loading((l) => load(l, openReader, asOf, codecs)) };
      e.loading.finished.catch(() => {
        if (this.entries.get(key) === e) this.entries.delete(key);
      });
      entry = e;
    }
    this.entries.set(key, entry);
    while (this.entries.size > CACHED_SNAPSHOTS) this.entries.delete(this.entries.keys().next().value as string);
    const l = entry.loading;
    if (!filter.keyContains && !filter.valContains) {
      // partial: the first page paints while the rest is still being read; the total grows until complete
      if (filter.partial) await l.until(offset + limit);
      else await l.finished;
      return { asOf, total: l.rows.length, unfiltered: l.rows.length, complete: l.done, offset, rows: l.rows.slice(offset, offset + limit), codecs };
    }
    const rows = await l.finished;
    const fkey = JSON.stringify([filter.keyContains ?? '', filter.valContains ?? '']);
    if (entry.filtered?.key !== fkey) entry.filtered = { key: fkey, rows: matching(rows, filter) };
    const idx = await entry.filtered.rows;
    const page: DataRow[] = [];
    for (let i = offset; i < Math.min(idx.length, offset + limit); i++) page.push(rows[idx[i]]);
    return { asOf, total: idx.length, unfiltered: rows.length, complete: true, offset, rows: page, codecs };
  }
}

async function load(l: Loading, openReader: () => Promise<ReadHandle<unknown, unknown>>, asOf: number, codecs: { key: string; val: string }): Promise<void> {
  const fk = formatterFor(codecs.key);
  const fv = formatterFor(codecs.val);
  const reader = await openReader();
  const rows = l.rows;
  try {
    for await (const chunk of reader.snapshotCursor([asOf])) {
      for (const [k, v, time, diff] of chunk) {
        if (rows.length >= MAX_SNAPSHOT_ROWS) break;
        rows.push({ key: fk(k), val: fv(v), time, diff });
      }
      l.wake();
      if (rows.length >= MAX_SNAPSHOT_ROWS) break;
      await yieldToLoop();
    }
  } finally {
    await reader.expire().catch(() => undefined);
  }
}
