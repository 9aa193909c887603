// The parallel persist sink (after Materialize's storage persist_sink), three roles:
// - the router (the calling thread) validates updates, encodes them with the codecs into flat
//   row chunks and hands each worker its key-hash share; it never sorts or encodes parts;
// - `workers` batch-writing worker threads sort, consolidate and encode their share into parts,
//   which the parent uploads and describes as a TransmittableBatch per worker and description;
// - the minter turns each advance(frontier) into a description [lower, upper), and the appender
//   appends all of its batches with one compareAndAppendBatch, cut to the shard upper (or a no-op)
//   when another sink with identical data got there first, as `append` does.
// Updates at or beyond a description's upper, written before its advance, are carried into the
// next description: a part that holds both sides is split by a worker.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fmt, type Antichain } from '../antichain.js';
import type { Batch, TransmittableBatch } from '../batch.js';
import type { PersistClient, HandleOptions } from '../client.js';
import { ClientClosedError, CorruptDataError, InvalidUsageError } from '../errors.js';
import { retryExternal } from '../location/retry.js';
import type { PartRef } from '../state/types.js';
import type { Update } from '../update.js';
import type { WriteHandle } from '../write.js';
import { ROW_HEADER, RowWriter } from './rows.js';

export interface SinkOptions<K, V> extends HandleOptions<K, V> {
  /** batch-writing worker threads (default: min(4, cores)) */
  workers?: number;
  /** bytes of updates held between write() and their upload (default 256 MiB) */
  memoryBoundBytes?: number;
  /** called after each description is appended (or found already written) */
  onAppend?(e: { lower: Antichain; upper: Antichain; updates: number; landed: boolean }): void;
}

export interface PersistSink<K, V> {
  readonly shardId: string;
  frontier(): Antichain;
  write(updates: Iterable<Update<K, V>>): Promise<void>;
  advance(frontier: Antichain): Promise<void>;
  close(): Promise<void>;
}

interface UploadedPart { ref: PartRef; minTime: number; maxTime: number }

function workerSpec(): URL {
  const js = new URL('./worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return js;
  return new URL('./worker-boot.mjs', import.meta.url);
}

/** FNV-1a over the key's bytes: which worker writes this key. */
function hashBytes(b: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < off + len; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

const YIELD_EVERY_ROWS = 2048;
/**
 * The parent uploads the workers' parts, and some blob stores (SQLite) write synchronously: parts
 * of at most this size keep each upload's stall of the calling thread short.
 */
const SINK_PART_MAX_BYTES = 2 << 20;

class SinkWorker {
  readonly worker: Worker;
  readonly rows: RowWriter;
  parts: UploadedPart[] = [];
  private uploads: Promise<void>[] = [];
  private flushWaiters = new Map<number, () => void>();
  private splitWaiters = new Map<number, (r: SplitResult) => void>();
  private nextId = 1;

  constructor(private readonly sink: SinkImpl<unknown, unknown>, targetBytes: number, chunkBytes: number) {
    this.rows = new RowWriter(chunkBytes);
    this.worker = new Worker(workerSpec());
    this.worker.unref();
    this.worker.postMessage({ type: 'init', targetBytes, shardId: sink.shardId });
    this.worker.on('message', (m: WorkerMsg) => this.onMessage(m));
    this.worker.on('error', (e) => sink.fail(e));
  }

  private onMessage(m: WorkerMsg): void {
    if (m.type === 'part') {
      const up = (async () => {
        if (m.bytes && m.len > 0) {
          const ref = await this.sink.upload(m.key ?? '', m.bytes, m.len);
          this.parts.push({ ref, minTime: m.minTime, maxTime: m.maxTime });
        }
        this.sink.release(m.consumed);
      })();
      up.catch((e) => this.sink.fail(e));
      this.uploads.push(up);
    } else if (m.type === 'flushed') {
      this.flushWaiters.get(m.id)?.();
      this.flushWaiters.delete(m.id);
    } else if (m.type === 'split') {
      this.splitWaiters.get(m.id)?.(m);
      this.splitWaiters.delete(m.id);
    } else if (m.type === 'error') {
      const e = m.name === 'CorruptDataError' ? new CorruptDataError(m.key ?? 'sink', m.message) : Object.assign(new Error(m.message), { name: m.name });
      this.sink.fail(e);
    }
  }

  post(): void {
    if (this.rows.pos === 0) return;
    const { buf, len } = this.rows.take();
    this.worker.postMessage({ type: 'chunk', buf, len, now: this.sink.now() }, [buf]);
  }

  /** Asks the worker to emit what it holds now (the router waits for memory). */
  nudge(): void {
    this.post();
    this.worker.postMessage({ type: 'flush', id: 0, now: this.sink.now() });
  }

  /** Every update routed here so far is in an uploaded part. */
  async flush(): Promise<void> {
    this.post();
    const id = this.nextId++;
    await new Promise<void>((res) => {
      this.flushWaiters.set(id, res);
      this.worker.postMessage({ type: 'flush', id, now: this.sink.now() });
    });
    const ups = this.uploads;
    this.uploads = [];
    await Promise.all(ups);
  }

  split(key: string, bytes: Uint8Array, upper: number): Promise<SplitResult> {
    const id = this.nextId++;
    return new Promise((res) => {
      this.splitWaiters.set(id, res);
      this.worker.postMessage({ type: 'split', id, key, bytes, upper, now: this.sink.now() }, [bytes.buffer as ArrayBuffer]);
    });
  }

  rejectWaiters(): void {
    for (const w of this.flushWaiters.values()) w();
    this.flushWaiters.clear();
  }
}

type SplitPart = { key: string; bytes: Uint8Array; len: number; minTime: number; maxTime: number } | null;
type SplitResult = { below: SplitPart; above: SplitPart };
type WorkerMsg =
  | { type: 'part'; key?: string; bytes: Uint8Array | null; len: number; minTime: number; maxTime: number; consumed: number }
  | { type: 'flushed'; id: number }
  | ({ type: 'split'; id: number } & SplitResult)
  | { type: 'error'; message: string; name: string; key?: string };

export async function persistSink<K, V>(client: PersistClient, shard: string, opts: SinkOptions<K, V>): Promise<PersistSink<K, V>> {
  const workers = opts?.workers ?? Math.min(4, availableParallelism());
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 64) {
    throw new InvalidUsageError('InvalidArgument', `workers must be an integer in 1..64, got ${String(opts?.workers)}`);
  }
  const bound = opts?.memoryBoundBytes ?? 256 * 1024 * 1024;
  if (!Number.isSafeInteger(bound) || bound < 1024 * 1024) {
    throw new InvalidUsageError('InvalidArgument', `memoryBoundBytes must be an integer of at least 1048576, got ${String(opts?.memoryBoundBytes)}`);
  }
  const writer = await client.openWriter(shard, { ...opts, diagnostics: opts.diagnostics ?? { shardName: shard, handlePurpose: 'persist sink' } });
  const upper = await writer.fetchRecentUpper();
  return new SinkImpl(client, writer, opts, workers, bound, upper);
}

class SinkImpl<K, V> implements PersistSink<K, V> {
  private readonly workers: SinkWorker[];
  private lower: Antichain;
  private inFlight = 0;
  private memoryWaiters: (() => void)[] = [];
  private error: Error | null = null;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();
  private advancing: Promise<void> = Promise.resolve();
  private scratch = new Uint8Array(4096);
  private routed = 0;
  /** the most bytes held at once (for tests of the bound) */
  peak = 0;

  constructor(
    private readonly client: PersistClient,
    private readonly writer: WriteHandle<K, V>,
    private readonly opts: SinkOptions<K, V>,
    workerCount: number,
    private readonly bound: number,
    lower: Antichain,
  ) {
    this.lower = lower;
    // Parts are cut small enough that the workers' unacknowledged bytes stay well under the bound.
    const chunk = Math.max(4096, Math.min(1 << 20, Math.floor(bound / (8 * workerCount))));
    const target = Math.max(8192, Math.min(client.config.blobTargetSizeBytes, SINK_PART_MAX_BYTES, Math.floor(bound / (2 * workerCount)) - chunk));
    this.workers = Array.from({ length: workerCount }, () => new SinkWorker(this as SinkImpl<unknown, unknown>, target, chunk));
  }

  get shardId(): string {
    return this.writer.shardId;
  }

  frontier(): Antichain {
    return this.lower;
  }

  private check(): void {
    if (this.closed) throw new ClientClosedError('the persist sink is closed');
    if (this.error) throw this.error;
  }

  fail(e: unknown): void {
    this.error ??= e instanceof Error ? e : new Error(String(e));
    for (const w of this.memoryWaiters.splice(0)) w();
    for (const w of this.workers) w.rejectWaiters();
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    if (this.inFlight < this.bound) for (const w of this.memoryWaiters.splice(0)) w();
  }

  now(): number {
    return this.client.config.now();
  }

  /** Uploads a part a worker encoded under the key it minted (the part's header names it). */
  async upload(key: string, bytes: Uint8Array, len: number): Promise<PartRef> {
    if (!key.startsWith(`${this.shardId}/part/`)) throw new CorruptDataError(key, `a sink worker named a part outside ${this.shardId}`);
    const blob = this.client.storage.blob;
    await retryExternal(() => blob.set(key, bytes), `write part ${key}`);
    return { key, encodedSizeBytes: bytes.length, len };
  }

  write(updates: Iterable<Update<K, V>>): Promise<void> {
    const run = (): Promise<void> => this.route(updates);
    const p = this.writing.then(run, run);
    this.writing = p.catch(() => undefined);
    return p;
  }

  /** Validates, encodes and routes updates; yields now and then, and waits while memory is full. */
  private async route(updates: Iterable<Update<K, V>>): Promise<void> {
    this.check();
    if (updates === null || typeof (updates as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new InvalidUsageError('InvalidArgument', 'updates must be iterable');
    }
    const { keyCodec: kc, valCodec: vc } = this.opts;
    const lower = this.lower.length ? this.lower[0] : Infinity;
    const n = this.workers.length;
    let since = 0;
    for (const u of updates) {
      if (!Array.isArray(u) || u.length !== 4) throw new InvalidUsageError('InvalidArgument', 'each update must be a [key, val, time, diff] tuple');
      const t = u[2];
      const d = u[3];
      if (!Number.isSafeInteger(t) || t < 0) throw new InvalidUsageError('InvalidTimestamp', `invalid time ${String(t)}: times are non-negative safe integers`);
      if (!Number.isSafeInteger(d)) throw new InvalidUsageError('InvalidDiff', `invalid diff ${String(d)}: diffs are safe integers`);
      if (t < lower) throw new InvalidUsageError('UpdateNotBeyondLower', `update time ${t} is not beyond the sink frontier ${fmt(this.lower)}`);
      // Encode the key into scratch to hash it, then copy key and val into that worker's chunk.
      const klen = this.encode(kc, u[0], 0);
      const w = this.workers[n === 1 ? 0 : hashBytes(this.scratch, 0, klen) % n];
      const rows = w.rows;
      // Room for the whole row first: growing the chunk later would drop what is past pos.
      const vb = vc.encodeInto && vc.maxEncodedLength ? null : vc.encode(u[1]);
      rows.ensure(ROW_HEADER + klen + (vb ? vb.length : vc.maxEncodedLength!(u[1])));
      const at = rows.pos;
      const dst = rows.buf;
      const src = this.scratch;
      const ko = at + ROW_HEADER;
      // Short keys are copied by hand: a subarray per update costs more than the copy.
      if (klen <= 64) for (let i = 0; i < klen; i++) dst[ko + i] = src[i];
      else dst.set(src.subarray(0, klen), ko);
      let vlen: number;
      if (vb) {
        rows.buf.set(vb, at + ROW_HEADER + klen);
        vlen = vb.length;
      } else vlen = vc.encodeInto!(u[1], rows.buf, at + ROW_HEADER + klen);
      rows.view.setUint32(at, klen, true);
      rows.view.setUint32(at + 4, vlen, true);
      rows.view.setFloat64(at + 8, t, true);
      rows.view.setFloat64(at + 16, d, true);
      const size = ROW_HEADER + klen + vlen;
      rows.pos += size;
      rows.rows++;
      this.inFlight += size;
      this.routed++;
      if (rows.pos >= rows.buf.length - 64) w.post();
      if (this.inFlight > this.peak) this.peak = this.inFlight;
      if (this.inFlight >= this.bound) {
        // Hold here until the workers' uploads release memory.
        for (const x of this.workers) x.nudge();
        while (this.inFlight >= this.bound && !this.error && !this.closed) {
          await new Promise<void>((r) => this.memoryWaiters.push(r));
        }
        this.check();
      } else if (++since >= YIELD_EVERY_ROWS) {
        since = 0;
        await new Promise<void>((r) => setImmediate(r)); // let the event loop breathe
      }
    }
  }

  private encode(c: SinkOptions<K, V>['keyCodec'], v: K, _at: number): number {
    if (c.encodeInto && c.maxEncodedLength) {
      const max = c.maxEncodedLength(v);
      if (max > this.scratch.length) this.scratch = new Uint8Array(Math.max(max, this.scratch.length * 2));
      return c.encodeInto(v, this.scratch, 0);
    }
    const b = c.encode(v);
    if (b.length > this.scratch.length) this.scratch = new Uint8Array(Math.max(b.length, this.scratch.length * 2));
    this.scratch.set(b, 0);
    return b.length;
  }

  advance(frontierArg: Antichain): Promise<void> {
    const run = (): Promise<void> => this.doAdvance(frontierArg);
    // Advances wait for the writes before them: those are what the description holds.
    const prev = this.advancing;
    const p = this.writing.then(() => prev).then(run, run);
    this.advancing = p.catch(() => undefined);
    return p;
  }

  private async doAdvance(frontierArg: Antichain): Promise<void> {
    this.check();
    const upper: Antichain = Array.isArray(frontierArg) && frontierArg.length === 0 ? [] : (frontierArg as Antichain);
    if (upper.length && (!Number.isSafeInteger(upper[0]) || upper[0] < 0)) {
      throw new InvalidUsageError('InvalidFrontier', `invalid frontier ${JSON.stringify(frontierArg)}`);
    }
    const lo = this.lower.length ? this.lower[0] : Infinity;
    const hi = upper.length ? upper[0] : Infinity;
    if (hi <= lo) return; // not beyond frontier(): a no-op
    // Minter: the description [lower, upper). Every worker's routed updates are in uploaded parts.
    await Promise.all(this.workers.map((w) => w.flush()));
    this.check();
    const batches: Batch[] = [];
    let updates = 0;
    for (const w of this.workers) {
      const inside: PartRef[] = [];
      const carried: UploadedPart[] = [];
      for (const p of w.parts) {
        if (p.maxTime < hi) inside.push(p.ref);
        else if (p.minTime >= hi) carried.push(p);
        else {
          const { below, above } = await this.split(w, p, hi);
          if (below) inside.push(below.ref);
          if (above) carried.push(above);
        }
      }
      w.parts = carried;
      if (inside.length === 0) continue;
      const len = inside.reduce((n, r) => n + r.len, 0);
      updates += len;
      const tb: TransmittableBatch = { shardId: this.shardId, lower: this.lower, upper, len, runs: inside.map((r) => [r]) };
      batches.push(this.writer.batchFromTransmittable(tb));
    }
    // Appender: one compare-and-append for the whole description, cut to the shard upper if a
    // replica wrote part of it, a no-op if it wrote all of it.
    let expected = this.lower;
    let landed = true;
    for (;;) {
      const res = batches.length
        ? await this.writer.compareAndAppendBatch(batches, expected, upper)
        : await this.writer.compareAndAppend([], expected, upper);
      if (res.ok) break;
      const cur = res.current;
      const c = cur.length ? cur[0] : Infinity;
      if (c >= hi) {
        landed = false;
        for (const b of batches) await b.delete();
        break;
      }
      if (c <= (expected.length ? expected[0] : Infinity)) {
        throw new InvalidUsageError('InvalidBounds', `shard upper ${fmt(cur)} is behind the sink frontier ${fmt(this.lower)}`);
      }
      expected = cur;
    }
    this.opts.onAppend?.({ lower: this.lower, upper, updates, landed });
    this.lower = upper;
  }

  /** Splits a part holding times on both sides of `at` (written before the advance it straddles). */
  private async split(w: SinkWorker, p: UploadedPart, at: number): Promise<{ below: UploadedPart | null; above: UploadedPart | null }> {
    const blob = this.client.storage.blob;
    const bytes = await retryExternal(() => blob.get(p.ref.key), `get ${p.ref.key}`);
    if (!bytes) throw new CorruptDataError(p.ref.key, 'a part the sink uploaded is missing from blob');
    const r = await w.split(p.ref.key, bytes.slice(), at);
    const up = async (s: SplitPart): Promise<UploadedPart | null> =>
      s ? { ref: await this.upload(s.key, s.bytes, s.len), minTime: s.minTime, maxTime: s.maxTime } : null;
    const out = { below: await up(r.below), above: await up(r.above) };
    await retryExternal(() => blob.delete(p.ref.key), `delete ${p.ref.key}`);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.advancing.catch(() => undefined);
    this.closed = true;
    const blob = this.client.storage.blob;
    for (const w of this.workers) {
      for (const p of w.parts) await retryExternal(() => blob.delete(p.ref.key), `delete ${p.ref.key}`).catch(() => undefined);
      w.rejectWaiters();
      await w.worker.terminate();
    }
    for (const r of this.memoryWaiters.splice(0)) r();
    await this.writer.expire().catch(() => undefined);
  }

  /** Updates routed so far (for progress reports). */
  get routedCount(): number {
    return this.routed;
  }
}
