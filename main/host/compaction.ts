// "Compact now" jobs (one at a time per shard, with progress by phase and cancel; kept in memory)
// and each shard's compaction history, derived from its retained state versions by the engine (so
// it holds every client's compactions, back to the earliest version GC has kept).
import { randomUUID } from 'node:crypto';
import type { CompactionOutcome, CompactionProgress, PersistClient, ShardInspection } from '../../engine/index.js';
import type { CompactionJob, CompactionPlanInfo, CompactionRecord, CompactionStatus, ContractError } from '../../preload/contract.js';
import { AppError, toContractError } from '../router/errors.js';
import { toFrontier } from './convert.js';

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

/** Compactions of the history pushed per shard (the newest; the engine walks every retained version). */
export const MAX_COMPACTION_RECORDS = 200;
/** "Compact now" runs remembered to tell their compactions from background ones. */
const MAX_FORCED_RANGES = 100;

interface Derived {
  history: CompactionRecord[];
  reach: CompactionStatus['reach'];
}

export class Compactions {
  /** per shard: the history derived from retained versions (see refresh) */
  private readonly derived = new Map<string, Derived>();
  private readonly historyErrors = new Map<string, ContractError>();
  private readonly refreshing = new Map<string, { run: Promise<void>; again: boolean }>();
  /** seqno ranges [from, to] in which this app's "Compact now" ran, per shard */
  private readonly forced = new Map<string, [number, number][]>();
  private readonly jobs = new Map<string, { job: CompactionJob; abort: AbortController }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly shardWatches = new Map<string, Promise<() => void>>();
  private readonly pushTimers = new Map<string, NodeJS.Timeout>();
  private readonly stopEngine: () => void;
  private closed = false;

  constructor(
    private readonly client: PersistClient,
    private readonly onChange: (shard: string) => void = () => undefined,
  ) {
    // A compaction this client finished: the history has a new entry.
    this.stopEngine = client.onCompaction((o: CompactionOutcome) => {
      if (o.applied && this.listeners.has(o.shardId)) void this.refresh(o.shardId);
    });
  }

  /**
   * Re-derives the shard's compaction history from its retained versions (single-flight: a
   * request while one runs re-runs it once after), then pushes.
   */
  private refresh(shard: string): Promise<void> {
    const cur = this.refreshing.get(shard);
    if (cur) {
      cur.again = true;
      return cur.run;
    }
    const entry = { run: Promise.resolve(), again: false };
    entry.run = (async () => {
      do {
        entry.again = false;
        try {
          const h = await this.client.admin.compactionHistory(shard, { limit: MAX_COMPACTION_RECORDS });
          const ranges = this.forced.get(shard) ?? [];
          this.derived.set(shard, {
            reach: { earliestSeqno: h.earliestSeqno, latestSeqno: h.latestSeqno, truncated: h.truncated },
            history: h.compactions.map((c) => ({
              seqno: c.seqno,
              atMs: c.walltimeMs,
              forced: ranges.some(([a, b]) => c.seqno > a && c.seqno <= b),
              inputs: c.inputs,
              outputs: c.outputs,
              rowsIn: c.rowsIn,
              rowsOut: c.rowsOut,
              bytesIn: c.bytesIn,
              bytesOut: c.bytesOut,
              lower: c.lower,
              upper: c.upper,
              since: c.since,
            })),
          });
          this.historyErrors.delete(shard);
        } catch (e) {
          // A shard gone or a location down: keep what we had, say why; the next change retries.
          this.historyErrors.set(shard, toContractError(e));
        }
      } while (entry.again && !this.closed);
    })().finally(() => {
      this.refreshing.delete(shard);
      this.push(shard);
    });
    this.refreshing.set(shard, entry);
    return entry.run;
  }

  /** The job and the history; reads the history first if nobody is watching the shard. */
  async status(shard: string): Promise<CompactionStatus> {
    if (!this.derived.has(shard) || !this.listeners.has(shard)) await this.refresh(shard);
    return this.snapshot(shard);
  }

  private snapshot(shard: string): CompactionStatus {
    const d = this.derived.get(shard);
    const j = this.jobs.get(shard)?.job ?? null;
    const historyError = this.historyErrors.get(shard);
    return { job: j && { ...j, progress: j.progress && { ...j.progress } }, history: d?.history ?? [], reach: d?.reach ?? null, ...(historyError ? { historyError } : {}) };
  }

  watch(shard: string, listener: Listener): () => void {
    let set = this.listeners.get(shard);
    if (!set) this.listeners.set(shard, (set = new Set()));
    set.add(listener);
    listener(this.snapshot(shard));
    void this.refresh(shard);
    if (!this.shardWatches.has(shard)) {
      // Another client's compaction shows as fewer batches in a new version: re-derive then.
      let batches = -1;
      const w = this.client.watchShard(shard, (i) => {
        if (batches >= 0 && i.batches.length < batches) void this.refresh(shard);
        batches = i.batches.length;
      });
      w.catch(() => undefined);
      this.shardWatches.set(shard, w);
    }
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(shard) === set) {
        this.listeners.delete(shard);
        const w = this.shardWatches.get(shard);
        this.shardWatches.delete(shard);
        void w?.then((stop) => stop(), () => undefined);
      }
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
    const s = this.snapshot(shard);
    for (const l of [...set]) l(s);
  }

  /** Starts "Compact now" in the background; progress and outcome are pushed. */
  async start(shard: string): Promise<CompactionJob> {
    if (this.jobs.get(shard)?.job.state === 'running') {
      throw new AppError('Conflict', 'a compaction of this shard is already running; wait for it or cancel it');
    }
    const plan = await compactionPlan(this.client, shard);
    const seqnoBefore = (await this.client.inspectShard(shard)).seqno;
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
          const phaseChanged = job.progress?.phase !== p.phase;
          job.progress = { phase: p.phase, inputs: p.inputs, rowsIn: p.rowsIn, rowsOut: p.rowsOut, partsIn: p.partsIn, partsTotal: p.partsTotal };
          // a new phase shows at once; counts within a phase are throttled
          this.push(shard, !phaseChanged);
        },
      })
      .then(
        async (r) => {
          const after: ShardInspection | null = await this.client.inspectShard(shard).catch(() => null);
          const ranges = this.forced.get(shard) ?? [];
          ranges.push([seqnoBefore, after?.seqno ?? Number.MAX_SAFE_INTEGER]);
          if (ranges.length > MAX_FORCED_RANGES) ranges.shift();
          this.forced.set(shard, ranges);
          await this.refresh(shard);
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
    this.closed = true;
    this.stopEngine();
    for (const w of this.shardWatches.values()) void w.then((stop) => stop(), () => undefined);
    this.shardWatches.clear();
    for (const j of this.jobs.values()) j.abort.abort();
    for (const t of this.pushTimers.values()) clearTimeout(t);
    this.pushTimers.clear();
    this.listeners.clear();
  }
}
