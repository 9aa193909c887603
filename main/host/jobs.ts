// Long operator jobs started from the app (since what-if, copy a shard home, save a sandbox copy):
// each runs in the background with an AbortController, its progress and outcome pushed to whoever
// watches it (throttled as compaction progress is), and is kept a while after it ends so that a
// view opened late, or a reconnect, still reads how it ended.
import { randomUUID } from 'node:crypto';
import type { ContractError } from '../../preload/contract.js';
import { AppError, toContractError } from '../router/errors.js';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  done: number;
  /** null while unknown */
  total: number | null;
  unit: 'parts' | 'rows' | 'bytes';
}

export interface Job<R = unknown> {
  id: string;
  kind: string;
  location: string;
  /** what the job is about (a shard id, a file), for dedup and display */
  subject: string;
  state: JobState;
  startedAtMs: number;
  finishedAtMs: number | null;
  progress: JobProgress | null;
  result: R | null;
  error: ContractError | null;
  cancelRequested: boolean;
}

export type JobRun<R> = (signal: AbortSignal, progress: (p: JobProgress) => void) => Promise<R>;

/** Finished jobs kept for late readers. */
export const MAX_FINISHED_JOBS = 100;
/** Progress pushes at most this often. */
const PROGRESS_PUSH_MS = 100;

type Listener = (job: Job) => void;

export class Jobs {
  private readonly jobs = new Map<string, { job: Job; abort: AbortController }>(); // insertion order: oldest first
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pushTimers = new Map<string, NodeJS.Timeout>();

  start<R>(kind: string, location: string, subject: string, run: JobRun<R>): Job<R> {
    const job: Job<R> = {
      id: randomUUID(),
      kind,
      location,
      subject,
      state: 'running',
      startedAtMs: Date.now(),
      finishedAtMs: null,
      progress: null,
      result: null,
      error: null,
      cancelRequested: false,
    };
    const abort = new AbortController();
    this.jobs.set(job.id, { job, abort });
    this.trim();
    void (async () => {
      try {
        const r = await run(abort.signal, (p) => {
          job.progress = p;
          this.push(job.id, true);
        });
        // A cancel that came after the work was done changes nothing: the result stands.
        job.result = r;
        job.state = 'done';
      } catch (e) {
        job.state = abort.signal.aborted ? 'cancelled' : 'failed';
        job.error = abort.signal.aborted ? null : toContractError(e);
      } finally {
        job.finishedAtMs = Date.now();
        this.push(job.id);
      }
    })();
    return copy(job);
  }

  /** The running job of this kind on this subject, if any (to join it instead of starting another). */
  running(kind: string, location: string, subject: string): Job | null {
    for (const { job } of this.jobs.values()) {
      if (job.state === 'running' && job.kind === kind && job.location === location && job.subject === subject) return copy(job);
    }
    return null;
  }

  /** The running jobs of this kind whose subject starts with the prefix. */
  runningOf(kind: string, location: string, subjectPrefix: string): Job[] {
    const out: Job[] = [];
    for (const { job } of this.jobs.values()) {
      if (job.state === 'running' && job.kind === kind && job.location === location && job.subject.startsWith(subjectPrefix)) out.push(copy(job));
    }
    return out;
  }

  status(location: string, id: string): Job {
    return copy(this.get(location, id).job);
  }

  /** Requests a cancel: the job ends 'cancelled' once its work has stopped (pushed then). */
  cancel(location: string, id: string): Job {
    const j = this.get(location, id);
    if (j.job.state === 'running' && !j.job.cancelRequested) {
      j.job.cancelRequested = true;
      j.abort.abort(new Error(`${j.job.kind} cancelled`));
      this.push(id);
    }
    return copy(j.job);
  }

  watch(location: string, id: string, listener: Listener): () => void {
    const j = this.get(location, id);
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    listener(copy(j.job));
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  close(): void {
    for (const { abort } of this.jobs.values()) abort.abort(new Error('the app is closing'));
    for (const t of this.pushTimers.values()) clearTimeout(t);
    this.pushTimers.clear();
    this.listeners.clear();
  }

  private get(location: string, id: string): { job: Job; abort: AbortController } {
    const j = this.jobs.get(id);
    // A job of another location is as unknown as a job that never was.
    if (!j || j.job.location !== location) throw new AppError('NotFound', `no job ${id} in this location (finished jobs are kept for a while only)`);
    return j;
  }

  private trim(): void {
    let finished = 0;
    for (const { job } of this.jobs.values()) if (job.state !== 'running') finished++;
    for (const [id, { job }] of this.jobs) {
      if (finished <= MAX_FINISHED_JOBS) break;
      if (job.state === 'running') continue;
      this.jobs.delete(id);
      finished--;
    }
  }

  /** Pushes now, or (throttled) within PROGRESS_PUSH_MS. */
  private push(id: string, throttled = false): void {
    const set = this.listeners.get(id);
    if (!set || set.size === 0) return;
    if (throttled) {
      if (this.pushTimers.has(id)) return;
      this.pushTimers.set(
        id,
        setTimeout(() => {
          this.pushTimers.delete(id);
          this.push(id);
        }, PROGRESS_PUSH_MS),
      );
      return;
    }
    const t = this.pushTimers.get(id);
    if (t) clearTimeout(t);
    this.pushTimers.delete(id);
    const j = this.jobs.get(id);
    if (!j) return;
    for (const l of [...set]) l(copy(j.job));
  }
}

const copy = <R>(j: Job<R>): Job<R> => ({ ...j, progress: j.progress && { ...j.progress } });
