// "Compact now" jobs (one at a time per shard, with progress and cancel) and the location's
// compaction history (every finished compaction the engine reports, bounded).
import { randomUUID } from 'node:crypto';
import type { CompactionOutcome, CompactionProgress, PersistClient, ShardInspection } from '../../engine/index.js';
import type { CompactionJob, CompactionPlanInfo, CompactionRecord, CompactionStatus } from '../../preload/contract.js';
import { AppError, toContractError } from '../router/errors.js';
import { toFrontier } from './convert.js';

/** Finished compactions kept per location. */
export const MAX_COMPACTION_RECORDS = 500;
/** Progress pushes at most this often. */
const PROGRESS_PUSH_MS = 100;

type Listener = (status: CompactionStatus) => void;

export async function compactionPlan(client: PersistClient, shard: string): Promise<CompactionPlanInfo> {
  const [plan, i] = await Promise.all([client.admin.compactionPlan(shard), client.inspectShard(shard)]);
  return {
    batches: plan.batches,
    bytes: i.stats.bytes,
    merges: plan.merges.map((m) => ({
      inputs: m.inputs,
      lower: toFrontier(m.lower),
      upper: toFrontier(m.upper),
      since: toFrontier(m.since),
      updates: m.updates,
      bytes: m.bytes,
    })),
  };
}

export class Compactions {
  private readonly records: CompactionRecord[] = []; // oldest first
  private readonly jobs = new Map<string, { job: CompactionJob; abort: AbortController }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pushTimers = new Map<string, NodeJS.Timeout>();
  private readonly stopEngine: () => void;

  constructor(
    private readonly client: PersistClient,
    private readonly nameOf: (shard: string) => string | null,
    private readonly onChange: (shard: string) => void = () => undefined,
  ) {
    this.stopEngine = client.onCompaction((o) => this.record(o));
  }

  private record(o: CompactionOutcome): void {
    const running = this.jobs.get(o.shardId)?.job.state === 'running';
    this.records.push({
      atMs: Date.now(),
      shard: o.shardId,
      shardName: this.nameOf(o.shardId),
      applied: o.applied,
      forced: running,
      inputs: o.inputs,
      inputBytes: o.inputBytes,
      outputBytes: o.outputBytes,
      len: o.len,
      durationMs: o.durationMs,
    });
    if (this.records.length > MAX_COMPACTION_RECORDS) this.records.splice(0, this.records.length - MAX_COMPACTION_RECORDS);
    this.push(o.shardId);
  }

  status(shard: string): CompactionStatus {
    const history: CompactionRecord[] = [];
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i].shard === shard) history.push(this.records[i]);
    const j = this.jobs.get(shard)?.job ?? null;
    return { job: j && { ...j, progress: j.progress && { ...j.progress } }, history };
  }

  watch(shard: string, listener: Listener): () => void {
    let set = this.listeners.get(shard);
    if (!set) this.listeners.set(shard, (set = new Set()));
    set.add(listener);
    listener(this.status(shard));
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(shard) === set) this.listeners.delete(shard);
    };
  }

  /** Pushes now, or (throttled) within PROGRESS_PUSH_MS. */
  private push(shard: string, throttled = false): void {
    const set = this.listeners.get(shard);
    if (!set || set.size === 0) return;
    if (throttled) {
      if (this.pushTimers.has(shard)) return;
      this.pushTimers.set(
        shard,
        setTimeout(() => {
          this.pushTimers.delete(shard);
          this.push(shard);
        }, PROGRESS_PUSH_MS),
      );
      return;
    }
    const t = this.pushTimers.get(shard);
    if (t) clearTimeout(t);
    this.pushTimers.delete(shard);
    const s = this.status(shard);
    for (const l of [...set]) l(s);
  }

  /** Starts "Compact now" in the background; progress and outcome are pushed. */
  async start(shard: string): Promise<CompactionJob> {
    if (this.jobs.get(shard)?.job.state === 'running') {
      throw new AppError('Conflict', 'a compaction of this shard is already running; wait for it or cancel it');
    }
    const plan = await compactionPlan(this.client, shard);
    if (this.jobs.get(shard)?.job.state === 'running') {
      throw new AppError('Conflict', 'a compaction of this shard is already running; wait for it or cancel it');
    }
    const job: CompactionJob = {
      id: randomUUID(),
      shard,
      state: 'running',
      startedAtMs: Date.now(),
      finishedAtMs: null,
      plan,
      progress: null,
      result: null,
      error: null,
      cancelRequested: false,
    };
    const abort = new AbortController();
    this.jobs.set(shard, { job, abort });
    const t0 = performance.now();
    void this.client.admin
      .forceCompaction(shard, {
        signal: abort.signal,
        onProgress: (p: CompactionProgress) => {
          job.progress = { inputs: p.inputs, rowsIn: p.rowsIn, rowsOut: p.rowsOut, partsIn: p.partsIn, partsTotal: p.partsTotal };
          this.push(shard, true);
        },
      })
      .then(
        async (r) => {
          const after: ShardInspection | null = await this.client.inspectShard(shard).catch(() => null);
          job.state = 'done';
          job.result = {
            before: r.before,
            after: r.after,
            bytesBefore: plan.bytes,
            bytesAfter: after?.stats.bytes ?? plan.bytes,
            durationMs: performance.now() - t0,
          };
        },
        (e: unknown) => {
          job.state = abort.signal.aborted ? 'cancelled' : 'failed';
          job.error = abort.signal.aborted ? null : toContractError(e);
        },
      )
      .finally(() => {
        job.finishedAtMs = Date.now();
        this.push(shard);
        this.onChange(shard);
      });
    this.push(shard);
    return { ...job };
  }

  /**
   * Aborts the running merge at its next chunk. (Engine limits, reported: a merge big enough for a
   * worker thread misses a signal aborted before the worker started, and the worker does not yield
   * between chunks, so such a merge usually runs to the end; the job then ends 'done'.)
   */
  cancel(shard: string): CompactionJob | null {
    const j = this.jobs.get(shard);
    if (!j) return null;
    if (j.job.state === 'running') {
      j.job.cancelRequested = true;
      j.abort.abort();
      this.push(shard);
    }
    return { ...j.job };
  }

  close(): void {
    this.stopEngine();
    for (const j of this.jobs.values()) j.abort.abort();
    for (const t of this.pushTimers.values()) clearTimeout(t);
    this.pushTimers.clear();
    this.listeners.clear();
  }
}
