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

interface Entry {
  rows: Promise<DataRow[]>;
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
  ): Promise<SnapshotPage> {
    const key = `${shard}@${asOf}`;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // LRU: re-insert as newest
    } else {
      entry = { rows: load(openReader, asOf, codecs) };
      entry.rows.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > CACHED_SNAPSHOTS) this.entries.delete(this.entries.keys().next().value as string);
    const rows = await entry.rows;
    return { asOf, total: rows.length, offset, rows: rows.slice(offset, offset + limit), codecs };
  }
}

async function load(openReader: () => Promise<ReadHandle<unknown, unknown>>, asOf: number, codecs: { key: string; val: string }): Promise<DataRow[]> {
  const fk = formatterFor(codecs.key);
  const fv = formatterFor(codecs.val);
  const reader = await openReader();
  const rows: DataRow[] = [];
  try {
    for await (const chunk of reader.snapshotCursor([asOf])) {
      for (const [k, v, time, diff] of chunk) {
        if (rows.length >= MAX_SNAPSHOT_ROWS) break;
        rows.push({ key: fk(k), val: fv(v), time, diff });
      }
      if (rows.length >= MAX_SNAPSHOT_ROWS) break;
      await yieldToLoop();
    }
  } finally {
    await reader.expire().catch(() => undefined);
  }
  return rows;
}
