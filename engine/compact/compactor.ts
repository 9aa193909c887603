// Runs compactions for the writers of one client: picks requests from the spine, merges in a
// worker thread (a warm one from the process's pool, see worker-pool.ts), and applies the result by a CAS that replaces exactly its inputs. If the spine
// changed meanwhile the result is discarded and its parts deleted: never applied wrongly.
import { deleteParts } from '../batch.js';
import { partKey } from '../paths.js';
import { errorFromWire, errorToWire } from '../errors.js';
import type { Blob } from '../location/types.js';
import type { Machine } from '../machine.js';
import { columnsFromInline, fetchPartBytes } from '../fetch.js';
import { mergePartsSync } from '../part/merge.js';
import { putEncodedPart, writePart } from '../part/writer.js';
import { partsFor } from '../filter.js';
import type { PartRef, ShardState } from '../state/types.js';
import type { PartColumns } from '../part/types.js';
import type { PersistConfig } from '../config.js';
import { runMergeJob, type JobResult, type MergeJob } from './merge-job.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { nextCompaction, type CompactionRequest } from './spine.js';
import { compactionWorkers, workerSpec } from './worker-pool.js';

/** What a compaction is doing now: reading input parts, merging, writing an output part, applying it to state. */
export type CompactionPhase = 'fetch' | 'merge' | 'upload' | 'apply';

export interface CompactionProgress {
  shardId: string;
  inputs: number;
  phase: CompactionPhase;
  rowsIn: number;
  rowsOut: number;
  partsIn: number;
  partsTotal: number;
}

export interface CompactionOutcome {
  shardId: string;
  applied: boolean;
  inputs: number;
  inputBytes: number;
  outputBytes: number;
  len: number;
  durationMs: number;
}

export interface CompactorDeps {
  readonly blob: Blob;
  readonly config: PersistConfig;
  /** called for every finished compaction (applied or discarded); the app shows a history */
  onCompaction?(o: CompactionOutcome): void;
}

export function jobFor(state: ShardState, req: CompactionRequest, targetBytes: number): MergeJob | null {
  const runs = partsFor(state, { kind: 'compaction', inputs: req.inputs });
  if (runs === null || req.since.length === 0) return null;
  return { advanceTo: req.since[0], targetBytes, runs: runs.map(({ timeLower, timeUpper, parts }) => ({ timeLower, timeUpper, parts })) };
}

const INLINE_MERGE_MAX_BYTES = 1 << 20;
/** Compactions one background run does back to back before it lets the next write start another. */
const MAX_ROUNDS_PER_RUN = 64;

export class Compactor {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: CompactorDeps) {}

  /** Starts a background compaction of the shard if its spine asks for one and none is running. */
  maybeCompact(machine: Machine): void {
    if (!this.deps.config.compactionEnabled || this.running.has(machine.shardId)) return;
    const req = nextCompaction(machine.current);
    if (!req) return;
    const p = (async () => {
      let r: CompactionRequest | null = req;
      // Keep going while the spine has work: a merge can make the next level's pair.
      for (let i = 0; r && i < MAX_ROUNDS_PER_RUN; i++) {
        await this.compact(machine, r);
        r = nextCompaction(machine.current);
      }
    })()
      .catch(() => undefined)
      .finally(() => this.running.delete(machine.shardId));
    this.running.set(machine.shardId, p);
  }

  isRunning(shardId: string): boolean {
    return this.running.has(shardId);
  }

  /** Waits for this shard's background compaction, if any (tests, shutdown). */
  async idle(shardId: string): Promise<void> {
    await this.running.get(shardId);
  }

  async compact(
    machine: Machine,
    req: CompactionRequest,
    onProgress?: (p: CompactionProgress) => void,
    signal?: AbortSignal,
  ): Promise<CompactionOutcome> {
    const started = performance.now();
    const state = machine.current;
    const job = jobFor(state, req, this.deps.config.blobTargetSizeBytes);
    const inputBytes = state.batches
      .filter((b) => req.inputs.includes(b.id))
      .reduce((n, b) => n + b.runs.flat().reduce((m, p) => m + p.encodedSizeBytes, 0), 0);
    const outcome = (applied: boolean, res?: JobResult): CompactionOutcome => {
      const o = {
        shardId: machine.shardId,
        applied,
        inputs: req.inputs.length,
        inputBytes,
        outputBytes: res?.parts.reduce((n, p) => n + p.encodedSizeBytes, 0) ?? 0,
        len: res?.len ?? 0,
        durationMs: performance.now() - started,
      };
      this.deps.onCompaction?.(o);
      return o;
    };
    if (!job) return outcome(false);
    type Counts = Omit<CompactionProgress, 'shardId' | 'inputs' | 'phase'>;
    let last: Counts = { rowsIn: 0, rowsOut: 0, partsIn: 0, partsTotal: job.runs.reduce((n, r) => n + r.parts.length, 0) };
    const report = onProgress
      ? (phase: CompactionPhase, p: Counts = last) => {
          last = p;
          onProgress({ shardId: machine.shardId, inputs: req.inputs.length, phase, ...p });
        }
      : undefined;
    report?.('fetch');
    // Parts are fetched as the merge needs them: fetching until the last is in, then merging what is left.
    const progress = report && ((p: Counts) => report(p.partsIn < p.partsTotal ? 'fetch' : 'merge', p));
    const res = await this.run(machine.shardId, job, progress, signal, report && (() => report('upload')));
    report?.('apply');
    const applied = await machine.applyCompaction({
      inputs: req.inputs,
      output: { lower: req.lower, upper: req.upper, since: req.since, len: res.len, level: req.level, runs: res.parts.length ? [res.parts] : [] },
    });
    if (!applied) await deleteParts(this.deps.blob, [res.parts]);
    return outcome(applied, res);
  }

  private mintKey(shardId: string): string {
    return partKey(shardId, this.deps.config.now());
  }

  private fetchIo(part: PartRef): Promise<Uint8Array> {
    return fetchPartBytes(this.deps.blob, part);
  }

  private run(
    shardId: string,
    job: MergeJob,
    progress?: (p: { rowsIn: number; rowsOut: number; partsIn: number; partsTotal: number }) => void,
    signal?: AbortSignal,
    uploading?: () => void,
  ): Promise<JobResult> {
    if (signal?.aborted) return Promise.reject(new Error('compaction cancelled'));
    const small = this.smallInlineMerge(shardId, job, progress, uploading);
    if (small) return small;
    const inputBytes = job.runs.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.encodedSizeBytes, 0), 0);
    // Starting a worker costs more than merging a few small parts here.
    const spec = inputBytes >= INLINE_MERGE_MAX_BYTES ? workerSpec() : null;
    if (!spec) {
      return runMergeJob(job, {
        fetch: (p) => this.fetchIo(p),
        // A tiny merge result stays inline in state like a tiny append: no blob to write or delete.
        write: (cols) => this.writeOutput(shardId, cols, uploading),
        progress,
        cancelled: () => (signal?.aborted ? new Error('compaction cancelled') : null),
      });
    }
    return new Promise<JobResult>((resolve, reject) => {
      const { blob } = this.deps;
      const worker = compactionWorkers.take(spec);
      const jobId = compactionWorkers.newJobId();
      const written: PartRef[] = [];
      const minted = new Set<string>();
      const onAbort = (): void => worker.postMessage({ type: 'cancel', jobId } satisfies ToWorker);
      const detach = (): void => {
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      // After a failure the worker may be mid-request: it is not reused.
      const fail = (e: Error): void => {
        detach();
        compactionWorkers.discard(worker);
        void deleteParts(blob, [written]).finally(() => reject(e));
      };
      const onExit = (code: number): void => fail(new Error(`compaction worker exited (code ${code}) during a job`));
      const send = (msg: ToWorker): void => worker.postMessage(msg);
      const failed = (id: number) => (e: unknown) => send({ type: 'failed', id, error: errorToWire(e) });
      const onMessage = (m: FromWorker): void => {
        switch (m.type) {
          case 'fetch':
            this.fetchIo(m.part).then((bytes) => send({ type: 'part', id: m.id, bytes }), failed(m.id));
            break;
          case 'mint': {
            const key = this.mintKey(shardId);
            minted.add(key);
            send({ type: 'key', id: m.id, key });
            break;
          }
          case 'write':
            // Only under a key minted for this job: the worker never names where blobs go.
            if (!minted.delete(m.key)) {
              failed(m.id)(new Error(`compaction worker asked to write ${m.key}, which was not minted for it`));
              break;
            }
            uploading?.();
            putEncodedPart(blob, m.key, m.bytes, m.len).then((ref) => {
              written.push(ref);
              send({ type: 'written', id: m.id, ref });
            }, failed(m.id));
            break;
          case 'progress':
            progress?.({ rowsIn: m.rowsIn, rowsOut: m.rowsOut, partsIn: m.partsIn, partsTotal: m.partsTotal });
            break;
          case 'done':
            detach();
            compactionWorkers.release(worker);
            resolve(m.result);
            break;
          case 'error':
            fail(errorFromWire(m.error));
            break;
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('error', fail);
      worker.on('exit', onExit);
      worker.on('message', onMessage);
      send({ type: 'job', jobId, job });
    });
  }

  /**
   * Merges of tiny inline batches are most of background compaction under small appends, and
   * they run on the appends' thread: decode the few rows, merge them in one exactly sized pass and
   * encode the result, without the streaming merge's chunk buffers (sized for 16k rows) or any
   * blob I/O. Null when some input lives in blob or the inputs are not tiny.
   */
  private smallInlineMerge(
    shardId: string,
    job: MergeJob,
    progress?: (p: { rowsIn: number; rowsOut: number; partsIn: number; partsTotal: number }) => void,
    uploading?: () => void,
  ): Promise<JobResult> | null {
    const limit = Math.min(INLINE_MERGE_MAX_BYTES, job.targetBytes);
    let bytes = 0;
    for (const r of job.runs) {
      for (const p of r.parts) {
        if (!p.inline) return null;
        bytes += p.encodedSizeBytes;
        if (bytes > limit) return null;
      }
    }
    return (async () => {
      const parts = job.runs.flatMap((r) =>
        r.parts.map((p) => ({ cols: columnsFromInline(p.key, p.inline!), timeLower: r.timeLower, timeUpper: r.timeUpper ?? Infinity })),
      );
      const cols = mergePartsSync(parts, { advanceTo: job.advanceTo, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER });
      // Every part is in once decoded: a watcher sees the merge phase with its counts, as from the streaming merge.
      progress?.({ rowsIn: parts.reduce((n, p) => n + p.cols.len, 0), rowsOut: cols.len, partsIn: parts.length, partsTotal: parts.length });
      if (cols.len === 0) return { parts: [], len: 0 };
      return { parts: [await this.writeOutput(shardId, cols, uploading)], len: cols.len };
    })();
  }

  /** One output part of an in-process merge: inline in state when it fits, else a blob (its key minted as the upload starts). */
  private writeOutput(shardId: string, cols: PartColumns, uploading?: () => void): Promise<PartRef> {
    const mintKey = (): string => {
      uploading?.();
      return this.mintKey(shardId);
    };
    return writePart({ blob: this.deps.blob, mintKey }, cols, this.deps.config.inlineWritesMaxBytes);
  }
}
