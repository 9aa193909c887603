// What changed between two versions of a shard, for the history view and `inspect history`.
import { eq, fmt } from '../antichain.js';
import type { ShardInspection } from '../inspect.js';

export interface VersionChange {
  fromSeqno: number;
  toSeqno: number;
  walltimeMs: number;
  batchesAdded: { lower: string; upper: string; len: number; level: number }[];
  batchesRemoved: { lower: string; upper: string; len: number; level: number }[];
  sinceMoved: [from: string, to: string] | null;
  upperMoved: [from: string, to: string] | null;
  readersAdded: string[];
  readersRemoved: string[];
  writersAdded: string[];
  writersRemoved: string[];
  /** a one-line account for people: "append [3, 5) 2 updates", "compaction 4 → 1 batches", … */
  summary: string;
}

const batchKey = (b: ShardInspection['batches'][number]): string =>
  `${fmt(b.lower)}|${fmt(b.upper)}|${fmt(b.since)}|${b.len}|${b.parts.map((p) => p.key).join(',')}`;
const batchView = (b: ShardInspection['batches'][number]) => ({ lower: fmt(b.lower), upper: fmt(b.upper), len: b.len, level: b.level });

export function diffVersions(a: ShardInspection, b: ShardInspection): VersionChange {
  const aBatches = new Map(a.batches.map((x) => [batchKey(x), x]));
  const bBatches = new Map(b.batches.map((x) => [batchKey(x), x]));
  const added = b.batches.filter((x) => !aBatches.has(batchKey(x))).map(batchView);
  const removed = a.batches.filter((x) => !bBatches.has(batchKey(x))).map(batchView);
  const ids = (xs: { id: string }[]) => new Set(xs.map((x) => x.id));
  const aReaders = ids([...a.leasedReaders, ...a.criticalReaders]);
  const bReaders = ids([...b.leasedReaders, ...b.criticalReaders]);
  const aWriters = ids(a.writers);
  const bWriters = ids(b.writers);
  const change: VersionChange = {
    fromSeqno: a.seqno,
    toSeqno: b.seqno,
    walltimeMs: b.walltimeMs,
    batchesAdded: added,
    batchesRemoved: removed,
    sinceMoved: eq(a.since, b.since) ? null : [fmt(a.since), fmt(b.since)],
    upperMoved: eq(a.upper, b.upper) ? null : [fmt(a.upper), fmt(b.upper)],
    readersAdded: [...bReaders].filter((x) => !aReaders.has(x)),
    readersRemoved: [...aReaders].filter((x) => !bReaders.has(x)),
    writersAdded: [...bWriters].filter((x) => !aWriters.has(x)),
    writersRemoved: [...aWriters].filter((x) => !bWriters.has(x)),
    summary: '',
  };
  change.summary = summarize(change);
  return change;
}

function summarize(c: VersionChange): string {
  const parts: string[] = [];
  if (c.batchesRemoved.length > 0) {
    parts.push(`compaction ${c.batchesRemoved.length} → ${c.batchesAdded.length} batches`);
  } else if (c.batchesAdded.length > 0) {
    for (const b of c.batchesAdded) parts.push(`append [${b.lower}, ${b.upper}) ${b.len} updates`);
  } else if (c.upperMoved) {
    parts.push(`upper ${c.upperMoved[0]} → ${c.upperMoved[1]}`);
  }
  if (c.sinceMoved) parts.push(`since ${c.sinceMoved[0]} → ${c.sinceMoved[1]}`);
  if (c.readersAdded.length) parts.push(`+${c.readersAdded.length} reader`);
  if (c.readersRemoved.length) parts.push(`-${c.readersRemoved.length} reader`);
  if (c.writersAdded.length) parts.push(`+${c.writersAdded.length} writer`);
  if (c.writersRemoved.length) parts.push(`-${c.writersRemoved.length} writer`);
  return parts.length ? parts.join(', ') : 'heartbeat';
}
