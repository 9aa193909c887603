// The process's compaction worker threads. Starting one costs far more than a typical merge (a
// fresh isolate loads the engine's code and Arrow: 0.7 s to several seconds on a busy machine,
// more from TypeScript source), so a worker is kept warm between jobs and shared by every client
// in the process, as Materialize's persist shares one isolated compaction runtime per process.
// A worker holds no state between jobs (each job's I/O goes through its parent), so jobs of
// different clients may follow each other on it. An idle worker is unref'd, so it never keeps a
// process alive, and it is ended after a while idle to give its memory back.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** An idle worker is ended after this long without a job. */
const IDLE_END_MS = 60_000;

/** Where the worker's code is: beside this file as .js when bundled/compiled, else the .ts source run through tsx. */
export function workerSpec(): { url: URL; execArgv: string[] } | null {
  const js = new URL('./worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  const boot = new URL('./worker-boot.mjs', import.meta.url);
  if (boot.protocol === 'file:' && existsSync(fileURLToPath(boot))) return { url: boot, execArgv: [] };
  return null;
}

class WorkerPool {
  private readonly workers = new Set<Worker>();
  private idle: Worker | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private lastJobId = 0;

  /** Job numbers unique in the process: a worker runs jobs of every client (see protocol.ts). */
  newJobId(): number {
    return ++this.lastJobId;
  }

  /** A warm worker if one is idle, else a new one; the caller has it until release or discard. */
  take(spec: { url: URL; execArgv: string[] }): Worker {
    const w = this.idle;
    if (w) {
      this.idle = null;
      this.clearTimer();
      w.ref();
      return w;
    }
    const fresh = new Worker(spec.url, { execArgv: spec.execArgv });
    this.workers.add(fresh);
    // An idle worker that dies is dropped; a busy one's job sees it through its own listeners.
    fresh.on('error', () => this.discard(fresh));
    fresh.once('exit', () => this.discard(fresh));
    return fresh;
  }

  /** A worker whose job ended cleanly: kept warm if none is, else ended (one idle worker is enough). */
  release(w: Worker): void {
    if (this.idle || !this.workers.has(w)) {
      this.discard(w);
      return;
    }
    w.unref();
    this.idle = w;
    this.idleTimer = setTimeout(() => this.discard(w), IDLE_END_MS);
    this.idleTimer.unref();
  }

  /** Ends a worker (after a failure it may be mid-request, so it is never reused). */
  discard(w: Worker): void {
    if (this.idle === w) {
      this.idle = null;
      this.clearTimer();
    }
    if (this.workers.delete(w)) void w.terminate();
  }

  private clearTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

export const compactionWorkers = new WorkerPool();
