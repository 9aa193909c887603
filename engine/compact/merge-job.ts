// One compaction's data work: a streaming k-way merge of the input runs that advances times to
// the since and consolidates, cut into output parts of about the target size. It runs the same
// way in a worker thread and (as a fallback) on the calling thread; only its I/O is injected.
import { columnsOf } from '../fetch.js';
import { approxBytes, ColumnsAccumulator, concatColumns } from '../part/columns.js';
import { MergeBuffers, mergeRuns, type MergeRun } from '../part/merge.js';
import type { PartColumns } from '../part/types.js';
import type { PartRef } from '../state/types.js';

export interface JobRun {
  readonly timeLower: number;
  readonly timeUpper: number | null;
  readonly parts: readonly PartRef[];
}

export interface MergeJob {
  readonly runs: readonly JobRun[];
  readonly advanceTo: number;
  readonly targetBytes: number;
}

export interface JobIo {
  fetch(part: PartRef): Promise<Uint8Array>;
  /** writes one output part (in order); returns its ref */
  write(cols: PartColumns): Promise<PartRef>;
  progress?(p: { rowsIn: number; rowsOut: number; partsIn: number; partsTotal: number }): void;
  /** checked between chunks: a cancelled job stops with this error */
  cancelled?(): Error | null;
  /**
   * In a worker: let the thread's event loop turn between chunks, so a cancel message arrives and
   * progress reaches the parent as it happens. Not on the main thread, where a stream of
   * microtask-only appends would starve a macrotask yield.
   */
  yieldBetweenChunks?: boolean;
  /**
   * For a caller that writes its output parts one at a time and is done with each part's columns
   * before write's first await (a builder encoding into its own buffer): fetched parts' times and
   * diffs are decoded into kept buffers, chunks reuse theirs, and a part's chunks are joined into
   * buffers kept from part to part (and from job to job). A merge then leaves only the fetched
   * bytes behind (else about three parts' worth per output part: fetched bytes, decoded columns,
   * chunks, join).
   */
  buffers?: JobBuffers;
}

/** Buffers a caller keeps from one job to the next (see JobIo.buffers); jobs sharing them must not overlap. */
export class JobBuffers {
  readonly merge = new MergeBuffers();
  readonly join = new ColumnsAccumulator();
}

export interface JobResult {
  readonly parts: PartRef[];
  readonly len: number;
}

const CHUNK_ROWS = 16_384;

export async function runMergeJob(job: MergeJob, io: JobIo): Promise<JobResult> {
  const partsTotal = job.runs.reduce((n, r) => n + r.parts.length, 0);
  let partsIn = 0;
  let rowsIn = 0;
  let rowsOut = 0;
  const runs: MergeRun[] = job.runs.map((r) => {
    let i = 0;
    return {
      timeLower: r.timeLower,
      timeUpper: r.timeUpper ?? Infinity,
      nextPart: async (into) => {
        if (i >= r.parts.length) return null;
        const ref = r.parts[i++];
        const cols = await columnsOf(ref, (p) => io.fetch(p), into);
        partsIn++;
        rowsIn += cols.len;
        return cols;
      },
    };
  });
  const out: PartRef[] = [];
  const reuse = io.buffers !== undefined;
  const acc = io.buffers?.join ?? null;
  acc?.clear(); // a job that failed may have left rows
  let pending: PartColumns[] = [];
  let pendingBytes = 0;
  let len = 0;
  const flush = async (): Promise<void> => {
    if (acc ? acc.len === 0 : pending.length === 0) return;
    const cols = acc ? acc.columns() : concatColumns(pending);
    pending = [];
    pendingBytes = 0;
    len += cols.len;
    const ref = io.write(cols);
    acc?.clear(); // write is done with cols before its first await
    out.push(await ref);
  };
  // copyParts off: a compaction fetches its inputs' first parts at once (from a worker, each a
  // round trip to the parent), and its chunks are kept until an output part is written. A caller
  // with buffers reads each fetched part in place (a copy would be a part per run held besides),
  // decoding its times and diffs into the run's kept scratch.
  const opts = {
    advanceTo: job.advanceTo,
    consolidate: true,
    chunkRows: CHUNK_ROWS,
    copyParts: false,
    reuseChunks: reuse,
    buffers: io.buffers?.merge,
  };
  for await (const chunk of mergeRuns(runs, opts)) {
    if (io.yieldBetweenChunks) await new Promise<void>((resolve) => setImmediate(resolve));
    const err = io.cancelled?.();
    if (err) throw err;
    if (chunk.len === 0) continue;
    if (acc) acc.append(chunk);
    else pending.push(chunk);
    pendingBytes += approxBytes(chunk);
    rowsOut += chunk.len;
    if (pendingBytes >= job.targetBytes) await flush();
    io.progress?.({ rowsIn, rowsOut, partsIn, partsTotal });
  }
  await flush();
  return { parts: out, len };
}
