// The parallel persist sink (after Materialize's storage persist_sink), three roles:
// - the router (the calling thread) validates updates, encodes them with the codecs into flat
//   row chunks and hands each worker its key-hash share; it never sorts or encodes parts;
// - `workers` batch-writing worker threads sort, consolidate, encode and (where the location
//   allows: a SQLite file, see part-store.ts) upload their share as parts; the parent uploads the
//   parts of other locations, and describes them as a TransmittableBatch per worker and description;
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
import { ClientClosedError, CorruptDataError, InvalidUsageError, LocationError } from '../errors.js';
import { retryExternal } from '../location/retry.js';
import { SqliteBlob } from '../location/sqlite-blob.js';
import type { PartRef } from '../state/types.js';
import { checkUpdateTuple, type Update } from '../update.js';
import type { WriteHandle } from '../write.js';
import { ROW_HEADER, RowWriter } from './rows.js';
import type { PartOut } from './worker.js';
import { bundledWorker, execArgvWithoutTsx } from './worker-bundle.js';

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

async function workerSpec(): Promise<URL> {
  // Built apps (electron-vite) put this worker beside the main bundle as sink-worker.js; worker.js
  // there is the compaction worker.
  const js = new URL('./sink-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return js;
  return (await bundledWorker()) ?? new URL('./worker-boot.mjs', import.meta.url);
}

/**
 * Which worker writes this key: a multiplicative hash over the key's bytes, four at a time (a
 * byte-wise FNV cost the router a third of its time), with a final mix.
 */
function hashKey(b: Uint8Array, v: DataView, len: number): number {
  let h = len ^ 0x811c9dc5;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    h = Math.imul(h ^ v.getInt32(i, true), 0x9e3779b1);
    h ^= h >>> 15;
  }
  for (; i < len; i++) h = Math.imul(h ^ b[i], 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

const YIELD_EVERY_ROWS = 2048;
/** Chunk slots per worker: one being filled, one being read, and some slack. */
const CHUNK_SLOTS = 4;
/**
 * Parts are cut at this size (or the client's blob target, if smaller). Where the parent uploads
 * them and the blob store writes synchronously, this keeps each upload's stall of the calling
 * thread short; where the workers upload, it keeps the tail short (after the last row, each worker
 * still sorts and writes one part), and measured as cheap per row as 4 or 8 MiB parts.
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
  private closeWaiter: (() => void) | null = null;

  private slotWaiters: (() => void)[] = [];

  constructor(private readonly sink: SinkImpl<unknown, unknown>, spec: URL, targetBytes: number, chunkBytes: number, sqlitePath: string | null) {
    this.rows = new RowWriter(chunkBytes, CHUNK_SLOTS);
    // A bundle (or a built sink-worker.js) is plain JavaScript: it needs no TypeScript loader.
    const plainJs = spec.pathname.endsWith('.js') || (spec.pathname.endsWith('.mjs') && !spec.pathname.endsWith('/worker-boot.mjs'));
    this.worker = new Worker(spec, plainJs ? { execArgv: execArgvWithoutTsx() } : {});
    this.worker.unref();
    const { shared, slotBytes } = this.rows;
    this.worker.postMessage({ type: 'init', targetBytes, shardId: sink.shardId, sqlitePath, shared, slotBytes });
    this.worker.on('message', (m: WorkerMsg) => this.onMessage(m));
    this.worker.on('error', (e) => sink.fail(e));
  }

  private onMessage(m: WorkerMsg): void {
    if (m.type === 'part') {
      const p = m.part;
      if (p && !p.bytes) {
        // Stored by the worker already: no promise, nothing to wait for.
        try {
          this.parts.push(this.sink.stored(p));
        } catch (e) {
          this.sink.fail(e);
        }
        this.sink.release(m.consumed);
        return;
      }
      const up = (async () => {
        if (p) this.parts.push(await this.sink.uploaded(p));
        this.sink.release(m.consumed);
      })();
      up.catch((e) => this.sink.fail(e));
      this.uploads.push(up);
    } else if (m.type === 'closed') {
      this.closeWaiter?.();
    } else if (m.type === 'free') {
      this.rows.giveBack(m.slot);
      for (const w of this.slotWaiters.splice(0)) w();
    } else if (m.type === 'flushed') {
      this.flushWaiters.get(m.id)?.();
      this.flushWaiters.delete(m.id);
    } else if (m.type === 'split') {
      this.splitWaiters.get(m.id)?.(m);
      this.splitWaiters.delete(m.id);
    } else if (m.type === 'error') {
      const e =
        m.name === 'CorruptDataError'
          ? new CorruptDataError(m.key ?? 'sink', m.message)
          : m.name === 'LocationError'
            ? new LocationError(`sink worker: ${m.message}`, false)
            : Object.assign(new Error(m.message), { name: m.name });
      this.sink.fail(e);
    }
  }

  post(): void {
    const c = this.rows.take();
    if (!c) return;
    this.worker.postMessage({ type: 'chunk', slot: c.slot, buf: c.buf, len: c.len, now: this.sink.now() }, c.buf ? [c.buf] : []);
  }

  /** Room for a row of n bytes: the filled chunk goes to the worker, and a free slot (maybe later) is next. */
  async room(n: number): Promise<void> {
    this.post();
    while (!this.rows.start(n)) {
      await new Promise<void>((res) => this.slotWaiters.push(res));
      this.sink.checkAlive();
    }
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

  /** Ends the worker after it closed its connection (terminating mid-write could leave it open). */
  async stop(): Promise<void> {
    await new Promise<void>((res) => {
      const t = setTimeout(res, 5000);
      this.closeWaiter = () => {
        clearTimeout(t);
        res();
      };
      this.worker.postMessage({ type: 'close' });
    });
    await this.worker.terminate();
  }

  rejectWaiters(): void {
    for (const w of this.flushWaiters.values()) w();
    this.flushWaiters.clear();
    for (const w of this.slotWaiters.splice(0)) w();
  }
}

type SplitResult = { below: PartOut | null; above: PartOut | null };
type WorkerMsg =
  | { type: 'part'; part: PartOut | null; consumed: number }
  | { type: 'free'; slot: number }
  | { type: 'closed' }
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
  return new SinkImpl(client, writer, opts, workers, bound, upper, await workerSpec());
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
  private scratchView = new DataView(this.scratch.buffer);
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
    spec: URL,
  ) {
    this.lower = lower;
    const blob = client.storage.blob;
    const sqlitePath = blob instanceof SqliteBlob ? blob.path : null;
    // Parts are cut small enough that the workers' unacknowledged bytes stay well under the bound.
    const chunk = Math.max(4096, Math.min(1 << 20, Math.floor(bound / (8 * workerCount))));
    const target = Math.max(8192, Math.min(client.config.blobTargetSizeBytes, SINK_PART_MAX_BYTES, Math.floor(bound / (2 * workerCount)) - chunk));
    this.workers = Array.from({ length: workerCount }, () => new SinkWorker(this as SinkImpl<unknown, unknown>, spec, target, chunk, sqlitePath));
  }

  get shardId(): string {
    return this.writer.shardId;
  }

  frontier(): Antichain {
    return this.lower;
  }

  checkAlive(): void {
    this.check();
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

  /** A part a worker stored itself, under the key it minted (the part's header names it). */
  stored(p: PartOut): UploadedPart {
    if (!p.key.startsWith(`${this.shardId}/part/`)) throw new CorruptDataError(p.key, `a sink worker named a part outside ${this.shardId}`);
    return { ref: { key: p.key, encodedSizeBytes: p.encodedSizeBytes, len: p.len }, minTime: p.minTime, maxTime: p.maxTime };
  }

  /** Uploads a part a worker encoded (unless it stored it itself). */
  async uploaded(p: PartOut): Promise<UploadedPart> {
    const out = this.stored(p);
    const bytes = p.bytes;
    if (bytes) {
      const blob = this.client.storage.blob;
      await retryExternal(() => blob.set(p.key, bytes), `write part ${p.key}`);
    }
    return out;
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
    const kInto = kc.encodeInto && kc.maxEncodedLength ? kc : null;
    const vInto = vc.encodeInto && vc.maxEncodedLength ? vc : null;
    const lower = this.lower.length ? this.lower[0] : Infinity;
    const ws = this.workers;
    const n = ws.length;
    let since = 0;
    for (const u of updates) {
      checkUpdateTuple(u);
      const t = u[2];
      const d = u[3];
      if (!Number.isSafeInteger(t) || t < 0) throw new InvalidUsageError('InvalidTimestamp', `invalid time ${String(t)}: times are non-negative safe integers`);
      if (!Number.isSafeInteger(d)) throw new InvalidUsageError('InvalidDiff', `invalid diff ${String(d)}: diffs are safe integers`);
      if (t < lower) throw new InvalidUsageError('UpdateNotBeyondLower', `update time ${t} is not beyond the sink frontier ${fmt(this.lower)}`);
      // The key is encoded into scratch to hash it, then copied into that worker's chunk.
      let klen: number;
      if (kInto) {
        const max = kInto.maxEncodedLength!(u[0]);
        if (max > this.scratch.length) this.growScratch(max);
        klen = kInto.encodeInto!(u[0], this.scratch, 0);
      } else {
        const b = kc.encode(u[0]);
        if (b.length > this.scratch.length) this.growScratch(b.length);
        this.scratch.set(b, 0);
        klen = b.length;
      }
      const w = ws[n === 1 ? 0 : hashKey(this.scratch, this.scratchView, klen) % n];
      const rows = w.rows;
      // Room for the whole row first (the key waits in scratch meanwhile: no other route runs).
      const vb = vInto ? null : vc.encode(u[1]);
      const need = ROW_HEADER + klen + (vb ? vb.length : vInto!.maxEncodedLength!(u[1]));
      if (!rows.fits(need)) await w.room(need);
      const src = this.scratch;
      const at = rows.pos;
      const dst = rows.buf;
      const ko = at + ROW_HEADER;
      // Short keys are copied by hand: a subarray per update costs more than the copy.
      if (klen <= 64) for (let i = 0; i < klen; i++) dst[ko + i] = src[i];
      else dst.set(src.subarray(0, klen), ko);
      let vlen: number;
      if (vb) {
        dst.set(vb, ko + klen);
        vlen = vb.length;
      } else vlen = vInto!.encodeInto!(u[1], dst, ko + klen);
      const view = rows.view;
      view.setUint32(at, klen, true);
      view.setUint32(at + 4, vlen, true);
      view.setFloat64(at + 8, t, true);
      view.setFloat64(at + 16, d, true);
      const size = ROW_HEADER + klen + vlen;
      rows.pos = at + size;
      rows.rows++;
      this.inFlight += size;
      this.routed++;
      if (this.inFlight > this.peak) this.peak = this.inFlight;
      if (this.inFlight >= this.bound) {
        // Hold here until the workers' uploads release memory.
        for (const x of ws) x.nudge();
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

  private growScratch(n: number): void {
    this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
    this.scratchView = new DataView(this.scratch.buffer);
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
    const out = { below: r.below && (await this.uploaded(r.below)), above: r.above && (await this.uploaded(r.above)) };
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
      await w.stop();
    }
    for (const r of this.memoryWaiters.splice(0)) r();
    await this.writer.expire().catch(() => undefined);
  }

  /** Updates routed so far (for progress reports). */
  get routedCount(): number {
    return this.routed;
  }
}
