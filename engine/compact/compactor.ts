// Runs compactions for the writers of one client: picks requests from the spine, merges in a
// worker thread, and applies the result by a CAS that replaces exactly its inputs. If the spine
// changed meanwhile the result is discarded and its parts deleted: never applied wrongly.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deleteParts } from '../batch.js';
import { partKey } from '../paths.js';
import { CorruptDataError, errorFromWire, errorToWire } from '../errors.js';
import type { Blob } from '../location/types.js';
import { retryExternal } from '../location/retry.js';
import type { Machine } from '../machine.js';
import { encodePart } from '../part/encode.js';
import { inlineFromColumns, inlineSize } from '../fetch.js';
import { partsFor } from '../filter.js';
import type { PartRef, ShardState } from '../state/types.js';
import type { PersistConfig } from '../config.js';
import { runMergeJob, type JobResult, type MergeJob } from './merge-job.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { nextCompaction, type CompactionRequest } from './spine.js';

export interface CompactionProgress {
  shardId: string;
  inputs: number;
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

/** Where the worker's code is: beside this file as .js when bundled/compiled, else the .ts source run through tsx. */
function workerSpec(): { url: URL; execArgv: string[] } | null {
  const js = new URL('./worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  const boot = new URL('./worker-boot.mjs', import.meta.url);
  if (boot.protocol === 'file:' && existsSync(fileURLToPath(boot))) return { url: boot, execArgv: [] };
  return null;
}

const INLINE_MERGE_MAX_BYTES = 1 << 20;

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
      for (let i = 0; r && i < 64; i++) {
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
    const progress = onProgress
      ? (p: Omit<CompactionProgress, 'shardId' | 'inputs'>) => onProgress({ shardId: machine.shardId, inputs: req.inputs.length, ...p })
      : undefined;
    const res = await this.run(machine.shardId, job, progress, signal);
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

  /** Writes a part encoded for key (see mintKey). */
  private async writePart(key: string, bytes: Uint8Array, len: number): Promise<PartRef> {
    await retryExternal(() => this.deps.blob.set(key, bytes), `write part ${key}`);
    return { key, encodedSizeBytes: bytes.length, len };
  }

  private async fetchIo(part: PartRef): Promise<Uint8Array> {
    const bytes = await retryExternal(() => this.deps.blob.get(part.key), `get ${part.key}`);
    if (!bytes) throw new CorruptDataError(part.key, 'part is referenced by state but missing from blob');
    return bytes;
  }

  private run(
    shardId: string,
    job: MergeJob,
    progress?: (p: { rowsIn: number; rowsOut: number; partsIn: number; partsTotal: number }) => void,
    signal?: AbortSignal,
  ): Promise<JobResult> {
    if (signal?.aborted) return Promise.reject(new Error('compaction cancelled'));
    const inputBytes = job.runs.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.encodedSizeBytes, 0), 0);
    // Starting a worker costs more than merging a few small parts here.
    const spec = inputBytes >= INLINE_MERGE_MAX_BYTES ? workerSpec() : null;
    if (!spec) {
      return runMergeJob(job, {
        fetch: (p) => this.fetchIo(p),
        write: async (cols) => {
          // A tiny merge result stays inline in state like a tiny append: no blob to write or delete.
          const inline = inlineFromColumns(cols);
          const size = inlineSize(inline);
          if (size <= this.deps.config.inlineWritesMaxBytes) return { key: `inline:${cols.len}`, encodedSizeBytes: size, len: cols.len, inline };
          const key = this.mintKey(shardId);
          return this.writePart(key, encodePart(cols, key), cols.len);
        },
        progress,
        cancelled: () => (signal?.aborted ? new Error('compaction cancelled') : null),
      });
    }
    return new Promise<JobResult>((resolve, reject) => {
      const worker = new Worker(spec.url, { execArgv: spec.execArgv });
      const written: PartRef[] = [];
      const minted = new Set<string>();
      const fail = (e: Error): void => {
        void worker.terminate();
        void deleteParts(this.deps.blob, [written]).finally(() => reject(e));
      };
      signal?.addEventListener('abort', () => worker.postMessage({ type: 'cancel' } satisfies ToWorker), { once: true });
      worker.on('error', fail);
      const send = (msg: ToWorker): void => worker.postMessage(msg);
      const failed = (id: number) => (e: unknown) => send({ type: 'failed', id, error: errorToWire(e) });
      worker.on('message', (m: FromWorker) => {
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
            this.writePart(m.key, m.bytes, m.len).then((ref) => {
              written.push(ref);
              send({ type: 'written', id: m.id, ref });
            }, failed(m.id));
            break;
          case 'progress':
            progress?.({ rowsIn: m.rowsIn, rowsOut: m.rowsOut, partsIn: m.partsIn, partsTotal: m.partsTotal });
            break;
          case 'done':
            void worker.terminate();
            resolve(m.result);
            break;
          case 'error':
            fail(errorFromWire(m.error));
            break;
        }
      });
      send({ type: 'job', job });
    });
  }
}
