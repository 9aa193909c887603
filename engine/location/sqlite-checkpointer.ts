// Checkpoints a sandbox file's WAL from a worker thread with a connection of its own, so that
// copying the WAL into the database and its two fsyncs happen beside the writer instead of inside
// one of its commits (an auto-checkpoint of 32 MiB stalled the thread that committed, the app's
// main thread, for about 100 ms). A PASSIVE checkpoint never blocks readers or writers; the
// writer's own auto-checkpoint stays as the backstop that bounds the WAL if this one falls behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages written since the last checkpoint that make the next one worth asking for. */
const CHECKPOINT_PAGES = 2048;

// Plain CommonJS for an eval'd worker: it needs no loader and no file beside a bundle. It says it
// is done through shared memory, not a message: a writer busy in a long run of microtasks (a
// builder taking updates) would not read a message until it is done.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const state = new Int32Array(workerData.state);
let db = null;
parentPort.on('message', (m) => {
  if (m === 'close') {
    try { db?.close(); } catch {}
    process.exit(0);
  }
  try {
    if (!db) {
      db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs, nativeBinding: workerData.nativeBinding });
      // A checkpoint copies frames through the file, not the page cache: keep the cache tiny.
      db.pragma('cache_size = -64');
    }
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The writer's own auto-checkpoint still bounds the WAL.
  }
  Atomics.store(state, 0, 0);
});
`;

export class Checkpointer {
  private worker: Worker | null = null;
  private pages = 0;
  /** [0]: 1 while the worker checkpoints */
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly pageSize: number,
    private readonly busyTimeoutMs: number,
  ) {}

  /** A write of about `bytes` committed: a checkpoint is asked for once enough pages piled up. */
  wrote(bytes: number): void {
    this.pages += Math.ceil(bytes / this.pageSize) + 1;
    if (this.pages >= CHECKPOINT_PAGES && Atomics.load(this.state, 0) === 0 && !this.closed) this.start();
  }

  private start(): void {
    const w = this.worker ?? this.spawn();
    if (!w) return;
    this.pages = 0;
    Atomics.store(this.state, 0, 1);
    w.postMessage('checkpoint');
  }

  private spawn(): Worker | null {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      const nativeBinding = process.env.SHARDSCOPE_SQLITE_NATIVE_BINDING || undefined;
      const workerData = { module, path: this.path, busyTimeoutMs: this.busyTimeoutMs, nativeBinding, state: this.state.buffer };
      // A small isolate: it runs one pragma at a time (an isolate with default limits held ~18
      // MiB of a builder's peak RSS).
      const resourceLimits = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 4, stackSizeMb: 1 };
      const w = new Worker(WORKER, { eval: true, workerData, resourceLimits });
      // Without it the writer's auto-checkpoint still keeps the WAL bounded: nothing is lost.
      const gone = (): void => {
        if (this.worker === w) this.worker = null;
        Atomics.store(this.state, 0, 0);
      };
      w.on('error', gone);
      w.on('exit', gone);
      w.unref();
      this.worker = w;
      return w;
    } catch {
      return null;
    }
  }

  /** Ends the worker (after the checkpoint it may be running); its connection closes with it. */
  close(): void {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    w.postMessage('close');
    w.unref();
  }
}
