// What changed in a shard between two times: the updates with times in (from, to], consolidated
// per (key, val), as rows added (positive count) or removed (negative). Streamed from the parts by
// the same k-way merge reads use: every time in the window is advanced to `to`, so consolidation
// sums each (key, val) over the window; memory is about one part per run plus one output chunk,
// not two snapshots.
import { fmt, leq } from '../antichain.js';
import { InvalidUsageError, SinceError } from '../errors.js';
import { mergeRuns } from '../part/merge.js';
import type { PartColumns } from '../part/types.js';
import { adminDepsOf, type AdminDeps as PersistClient } from './deps.js';
import { checkTimeArg, displayValue, leasedRuns, withRawReader, type ProgressCounter } from './parts.js';

export interface DiffOptions {
  /** exclusive */
  from: number;
  /** inclusive; must be before the shard's upper */
  to: number;
  /** keep only rows whose key or value (as shown) contains this text */
  filter?: string;
  /** rows kept in the answer (counts cover all of them); default 10 000 */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (p: ProgressCounter) => void;
}

export interface DiffRow {
  key: unknown;
  val: unknown;
  /** > 0: added this many times; < 0: removed */
  diff: number;
}

export interface ShardDiff {
  shard: string;
  from: number;
  to: number;
  codecs: { key: string; val: string };
  rows: DiffRow[];
  /** rows (distinct key, val) with a positive / negative net count, and the counts summed */
  addedRows: number;
  removedRows: number;
  added: number;
  removed: number;
  /** rows beyond `limit` were counted but not kept */
  truncated: boolean;
}

const CHUNK_ROWS = 8192;

export interface DiffChunks {
  codecs: { key: string; val: string };
  /** consolidated columns; every time is `to` */
  chunks: AsyncIterable<PartColumns>;
}

/**
 * The raw consolidated chunks of (from, to]. The reader behind them lives until the iteration
 * ends (or is abandoned), so `f` consumes them inside.
 */
export async function diffChunks<R>(
  client: PersistClient,
  shard: string,
  opts: Omit<DiffOptions, 'filter' | 'limit'>,
  f: (d: DiffChunks) => Promise<R>,
): Promise<R> {
  const from = checkTimeArg(opts?.from, 'from');
  const to = checkTimeArg(opts?.to, 'to');
  if (!(from < to)) throw new InvalidUsageError('InvalidArgument', `from must be before to, got from ${from} and to ${to}`);
  return withRawReader(client, shard, 'diff', async (reader, state) => {
    // Compaction may have advanced times up to the since: only windows starting at or after it
    // still tell apart what happened inside them.
    if (!leq(state.since, [from])) {
      throw new SinceError(state.since, `cannot diff ${state.shardId} from ${from}: its since is ${fmt(state.since)}`);
    }
    if (!leq([to + 1], state.upper)) {
      throw new InvalidUsageError('InvalidArgument', `cannot diff ${state.shardId} to ${to}: its upper is ${fmt(state.upper)}, so ${to} is not complete yet`);
    }
    const counter = { partsDone: 0, partsTotal: 0 };
    const { runs, parts } = await leasedRuns(client, reader, to, { lower: from + 1, upper: to + 1 }, {
      signal: opts.signal,
      onPart: () => {
        counter.partsDone++;
        opts.onProgress?.({ ...counter });
      },
    });
    counter.partsTotal = parts;
    opts.onProgress?.({ ...counter });
    return f({
      codecs: state.codecs ?? { key: 'bytes', val: 'bytes' },
      chunks: mergeRuns(runs, { advanceTo: to, consolidate: true, chunkRows: CHUNK_ROWS }),
    });
  });
}

export async function shardDiff(client: PersistClient, shard: string, opts: DiffOptions): Promise<ShardDiff> {
  const limit = opts.limit === undefined ? 10_000 : Math.max(0, Math.floor(opts.limit));
  if (Number.isNaN(limit)) throw new InvalidUsageError('InvalidArgument', 'limit must be a number');
  if (opts.filter !== undefined && typeof opts.filter !== 'string') throw new InvalidUsageError('InvalidArgument', 'filter must be a string');
  const filter = opts.filter ? opts.filter : null;
  return diffChunks(client, shard, opts, async ({ codecs, chunks }) => {
    const out: ShardDiff = {
      shard,
      from: opts.from,
      to: opts.to,
      codecs,
      rows: [],
      addedRows: 0,
      removedRows: 0,
      added: 0,
      removed: 0,
      truncated: false,
    };
    for await (const c of chunks) {
      opts.signal?.throwIfAborted();
      for (let i = 0; i < c.len; i++) {
        const key = displayValue(codecs.key, c.keys.data.subarray(c.keys.offsets[i], c.keys.offsets[i + 1]));
        const val = displayValue(codecs.val, c.vals.data.subarray(c.vals.offsets[i], c.vals.offsets[i + 1]));
        if (filter !== null && !shown(key).includes(filter) && !shown(val).includes(filter)) continue;
        const diff = c.diffs[i];
        if (diff > 0) {
          out.addedRows++;
          out.added += diff;
        } else {
          out.removedRows++;
          out.removed -= diff;
        }
        if (out.rows.length < limit) out.rows.push({ key, val, diff });
        else out.truncated = true;
      }
    }
    return out;
  });
}

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The time window of what was appended between two retained state versions: times in
 * [upper at v1, upper at v2), i.e. the diff window (upper1 - 1, upper2 - 1].
 */
/** `client`: a PersistClient. */
export async function versionWindow(source: object, shard: string, fromSeqno: number, toSeqno: number): Promise<{ from: number; to: number }> {
  const client = adminDepsOf(source);
  for (const [v, what] of [[fromSeqno, 'fromSeqno'], [toSeqno, 'toSeqno']] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidUsageError('InvalidArgument', `${what} must be a state version (a positive integer), got ${JSON.stringify(v)}`);
  }
  if (!(fromSeqno < toSeqno)) throw new InvalidUsageError('InvalidArgument', `fromSeqno must be before toSeqno, got ${fromSeqno} and ${toSeqno}`);
  const machine = await client.machine(shard);
  await machine.refresh();
  if (machine.current.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
  const at = async (v: number) => (v === machine.current.seqno ? machine.current : machine.stateAt(v));
  const [a, b] = [await at(fromSeqno), await at(toSeqno)];
  if (a.upper.length === 0 || b.upper.length === 0) throw new InvalidUsageError('InvalidArgument', `version ${a.upper.length === 0 ? fromSeqno : toSeqno} of ${shard} is closed (upper []): diff by times instead`);
  if (a.upper[0] === 0) throw new InvalidUsageError('InvalidArgument', `version ${fromSeqno} of ${shard} holds no time yet (upper [0]): pick a later version`);
  if (a.upper[0] === b.upper[0]) throw new InvalidUsageError('InvalidArgument', `nothing was appended between versions ${fromSeqno} and ${toSeqno} (both have upper ${fmt(a.upper)})`);
  return { from: a.upper[0] - 1, to: b.upper[0] - 1 };
}
