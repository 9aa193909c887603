// The streams runtime (the older, name-based persist API) built on the shard API.
//
// Design (after Materialize's txn-wal, with the commit record and the data in one place):
//
// - One *registry shard* per location (a fixed, well-known shard id) is the runtime's log. Every
//   operation of every runtime on the location - create, write, seal, allowCompaction, destroy -
//   is one compare-and-append of a set of records at log time `u` with bounds [u, u+1). The log
//   is therefore totally ordered and linearizable, and every runtime (another process, or this
//   one after a restart) folds the same records into the same view (engine/runtime/log.ts).
// - A write, single-stream or `MultiWriteHandle.writeAtomic` over many streams, is one such
//   append: its updates (encoded with their stream's codecs) are records of the log shard, so the
//   batch holding them is uploaded to blob first and the one CAS of the registry shard's state
//   commits them all. That CAS is the commit point: a crash before it leaves only unreferenced
//   blobs (listed by `admin.unreferencedBlobs`), never part of a write; after it, every stream
//   has its share. An indeterminate failure of that CAS is resolved by the engine (idempotency
//   token) before compareAndAppend answers, so an acknowledged write is in the log exactly once,
//   and an unacknowledged one is in it once or not at all.
// - Every write is validated against the view folded through the log time it is appended at:
//   a mismatching upper means someone else appended, so the runtime folds the new records and
//   validates again. Hence a write can never land below a seal committed before it.
// - Each stream has a *data shard*. `seal(t)` first commits a seal record (the logical seal),
//   then *applies* it: appends the stream's unsealed writes in [data upper, t) to the data shard
//   with compareAndAppend([data upper], [t]) - deterministic, because no write below a committed
//   seal can appear later - and then commits an `applied` record retracting those write records.
//   A crash between the two leaves data upper = t and applied < t: the next runtime to start (or
//   to seal that stream) sees applied < seal and commits the retraction; a crash before the data
//   append leaves it to be redone with the same content. Readers never double count: a snapshot
//   at log position p reads the data shard below applied_p and the live write records at or
//   beyond applied_p (only records below applied are ever retracted).
//
// Why not txn-wal's batches in each data shard's blob? A data-shard batch covering unsealed times
// would have to be appended piecewise by several seals, and the engine's compaction and GC may
// delete a part once the first append's batch is compacted; copying unsealed updates at seal time
// costs one more write of them but no part is ever referenced from outside its shard's state.
import { checkAntichain, checkDiff, checkTime, fmt, type Antichain } from '../antichain.js';
import { PersistClient, type PersistLocation } from '../client.js';
import type { Codec } from '../codec.js';
import { codecs } from '../codec.js';
import { ClientClosedError, InvalidUsageError, RuntimeShutdownError } from '../errors.js';
import type { Listen } from '../listen.js';
import type { PersistConfig } from '../config.js';
import type { ReadHandle } from '../read.js';
import { checkUpdateTuple, type Update } from '../update.js';
import type { WriteHandle } from '../write.js';
import { newShardId } from '../ids.js';
import {
  appliedOf, encodeRec, LogView, sealOf, sinceOf,
  b64, unb64, type FoldEvent, type LogRec, type StreamView, type WriteRec,
} from './log.js';
import { StreamReadHandleImpl, StreamWriteHandleImpl, type StreamHost, type StreamWriteHandle, type StreamReadHandle } from './stream.js';

/** The registry shard of every runtime location (a fixed id, so every runtime finds it). */
export const REGISTRY_SHARD = 's5e7a0000-0000-4000-8000-00000000000a';

export interface RuntimeConfig extends PersistConfig {
  /** the registry shard; tests may give each runtime group its own */
  registryShard: string;
}

export interface RuntimeClient {
  createOrLoad<K, V>(name: string, keyCodec: Codec<K>, valCodec: Codec<V>): Promise<[StreamWriteHandle<K, V>, StreamReadHandle<K, V>]>;
  getDescription(name: string): Promise<{ lower: Antichain; upper: Antichain; since: Antichain }>;
  destroy(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** What the app's Streams view shows per stream. */
export interface StreamInfo {
  name: string; streamId: string; seal: Antichain; since: Antichain; unsealedUpdates: number; lastWriteMs: number | null;
  codecs: { key: string; val: string };
}

type LogUpdate = readonly [string, null, number, number];
const recCodecs = { keyCodec: codecs.string, valCodec: codecs.unit };

/** A codec that passes bytes through under another codec's name: data shards hold encoded bytes. */
export function rawCodec(name: string): Codec<Uint8Array> {
  return { ...codecs.bytes, name, decode: (b) => b };
}

interface DataHandles { writer: WriteHandle<Uint8Array, Uint8Array>; reader: ReadHandle<Uint8Array, Uint8Array> }

export async function startRuntime(location: PersistLocation, config?: Partial<RuntimeConfig>): Promise<RuntimeClient & RuntimeImpl> {
  const { registryShard, ...persist } = config ?? {};
  const client = await PersistClient.open(location, persist);
  return RuntimeImpl.start(client, registryShard ?? REGISTRY_SHARD);
}

export class RuntimeImpl implements RuntimeClient, StreamHost {
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private resolveStop!: () => void;
  private readonly stopSignal = new Promise<void>((r) => (this.resolveStop = r));
  readonly view = new LogView();
  private readonly waiters: { upper: number; resolve: () => void }[] = [];
  private readonly listeners = new Map<string, Set<(e: FoldEvent) => void>>();
  private readonly data = new Map<string, Promise<DataHandles>>();
  private readonly background = new Set<Promise<unknown>>();
  private commitChain: Promise<unknown> = Promise.resolve();
  private followerError: unknown = null;
  private followerDone: Promise<void> = Promise.resolve();

  private constructor(
    readonly client: PersistClient,
    private readonly logWriter: WriteHandle<string, null>,
    private readonly logReader: ReadHandle<string, null>,
  ) {}

  static async start(client: PersistClient, registryShard: string): Promise<RuntimeImpl> {
    const [w, r] = await client.open(registryShard, { ...recCodecs, diagnostics: { shardName: 'streams registry', handlePurpose: 'runtime' } });
    // Log times start at 1, so that a listen from [upper - 1] sees every record.
    let upper = await w.fetchRecentUpper();
    if (upper.length && upper[0] === 0) {
      await w.compareAndAppend([], [0], [1]);
      upper = await w.fetchRecentUpper();
    }
    if (!upper.length) throw new InvalidUsageError('ShardFinalized', `the streams registry ${registryShard} is closed`);
    const u = upper[0];
    const rt = new RuntimeImpl(client, w, r);
    const snap = await r.snapshotAndFetch([u - 1]);
    rt.view.fold(snap.map(([k, , , d]) => [k, null, u - 1, d] as const), client.config.now());
    rt.view.upper = u;
    const listen = await r.listen([u - 1]);
    rt.followerDone = rt.follow(listen);
    // Finish what a crashed or stopped runtime left: seals not yet applied, destroys not finalized.
    for (const s of rt.view.byId.values()) if (appliedOf(s) < sealOf(s)) rt.inBackground(rt.apply(s.id));
    for (const id of rt.view.doomed) rt.inBackground(rt.finalize(id));
    return rt;
  }

  private inBackground(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.background.delete(q));
    this.background.add(q);
  }

  /** Folds the log in order; the only place the view changes. */
  private async follow(listen: Listen<string, null>): Promise<void> {
    try {
      let pending: LogUpdate[] = [];
      while (!this.stopped) {
        const events = await Promise.race([listen.fetchNext(), this.stopSignal.then(() => null)]);
        if (events === null) return;
        for (const e of events) {
          if (e.kind === 'updates') pending.push(...(e.updates as LogUpdate[]));
          else {
            const folded = this.view.fold(pending, this.client.config.now());
            pending = [];
            this.view.upper = e.frontier.length ? e.frontier[0] : Infinity;
            for (const f of folded) this.listeners.get(f.stream)?.forEach((l) => l(f));
            for (let i = this.waiters.length - 1; i >= 0; i--) {
              if (this.waiters[i].upper <= this.view.upper) this.waiters.splice(i, 1)[0].resolve();
            }
          }
        }
      }
    } catch (e) {
      this.followerError = e;
      for (const w of this.waiters.splice(0)) w.resolve();
    }
  }

  private folded(upper: number): Promise<void> {
    if (this.view.upper >= upper || this.followerError || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upper, resolve }));
  }

  check(): void {
    if (this.stopped) throw new RuntimeShutdownError();
    if (this.followerError) throw this.followerError;
  }

  /** Runs an operation, turning the errors of a runtime stopped under it into RuntimeShutdownError. */
  async guard<T>(f: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await f();
    } catch (e) {
      if (this.stopped && (e instanceof ClientClosedError || !(e instanceof InvalidUsageError))) throw new RuntimeShutdownError();
      throw e;
    }
  }

  /**
   * Appends the records `build` returns at the current log upper, validated against the view
   * folded through it; on a mismatch folds the newer records and validates again. Returns the log
   * time it committed at (or the current upper when there was nothing to write) and build's result.
   */
  commit<R>(build: (view: LogView) => { recs: (readonly [LogRec, number])[]; result: R }): Promise<{ seqno: number; result: R }> {
    const run = async (): Promise<{ seqno: number; result: R }> => {
      for (;;) {
        this.check();
        const u = this.view.upper;
        const { recs, result } = build(this.view);
        if (recs.length === 0) return { seqno: u, result };
        const updates: LogUpdate[] = recs.map(([r, d]) => [encodeRec(r), null, u, d]);
        const res = await this.logWriter.compareAndAppend(updates, [u], [u + 1]);
        if (res.ok) {
          await this.folded(u + 1);
          this.check();
          return { seqno: u, result };
        }
        if (!res.current.length) throw new InvalidUsageError('ShardFinalized', 'the streams registry is closed');
        await this.folded(res.current[0]);
      }
    };
    const p = this.commitChain.then(run, run);
    this.commitChain = p.catch(() => undefined);
    return p;
  }

  stream(name: string): StreamView {
    const s = this.view.byName.get(name);
    if (!s) throw new InvalidUsageError('UnknownShard', `unknown stream ${name}`);
    return s;
  }

  streamById(id: string, name: string): StreamView {
    const s = this.view.byId.get(id);
    if (!s) throw new InvalidUsageError('UnknownShard', `stream ${name} (${id}) has been destroyed`);
    return s;
  }

  createOrLoad<K, V>(name: string, keyCodec: Codec<K>, valCodec: Codec<V>): Promise<[StreamWriteHandle<K, V>, StreamReadHandle<K, V>]> {
    return this.guard(async () => {
      if (typeof name !== 'string' || name.length === 0) throw new InvalidUsageError('InvalidArgument', 'a stream name must be a non-empty string');
      for (const c of [keyCodec, valCodec]) {
        if (!c || typeof c.name !== 'string' || typeof c.encode !== 'function' || typeof c.decode !== 'function') {
          throw new InvalidUsageError('InvalidArgument', 'keyCodec and valCodec must be codecs ({ name, encode, decode })');
        }
      }
      const { result: id } = await this.commit((view) => {
        const s = view.byName.get(name);
        if (s) {
          if (s.kc !== keyCodec.name) throw new InvalidUsageError('CodecMismatch', `key codec mismatch ${keyCodec.name} vs previous ${s.kc}`);
          if (s.vc !== valCodec.name) throw new InvalidUsageError('CodecMismatch', `val codec mismatch ${valCodec.name} vs previous ${s.vc}`);
          return { recs: [], result: s.id };
        }
        const id = newShardId();
        return { recs: [[{ o: 'c', n: name, s: id, kc: keyCodec.name, vc: valCodec.name }, 1]], result: id };
      });
      await this.dataHandles(id);
      return [new StreamWriteHandleImpl(this, name, id, keyCodec, valCodec), new StreamReadHandleImpl(this, name, id, keyCodec, valCodec)];
    });
  }

  getDescription(name: string): Promise<{ lower: Antichain; upper: Antichain; since: Antichain }> {
    return this.guard(async () => {
      // Fold whatever other runtimes appended first: the description is linearized with them.
      await this.catchUp();
      const s = this.stream(name);
      const since = sinceOf(s);
      return { lower: [0], upper: [sealOf(s)], since: since === Infinity ? [] : [since] };
    });
  }

  /** Folds the log up to its current upper in consensus. */
  async catchUp(): Promise<void> {
    const upper = await this.logWriter.fetchRecentUpper();
    if (upper.length) await this.folded(upper[0]);
  }

  /** The streams of the location as this runtime sees them (for the app and tools). */
  async listStreams(): Promise<StreamInfo[]> {
    return this.guard(async () => {
      await this.catchUp();
      return [...this.view.byName.values()].map((s): StreamInfo => {
        const since = sinceOf(s);
        let unsealed = 0;
        const seal = sealOf(s);
        for (const { rec, count } of s.writes.values()) if (rec.t >= seal) unsealed += count;
        return {
          name: s.name, streamId: s.id, seal: [seal], since: since === Infinity ? [] : [since],
          unsealedUpdates: unsealed, lastWriteMs: s.lastWriteMs || null, codecs: { key: s.kc, val: s.vc },
        };
      }).sort((a, b) => (a.name < b.name ? -1 : 1));
    });
  }

  destroy(name: string): Promise<boolean> {
    return this.guard(async () => {
      await this.catchUp();
      const { result: id } = await this.commit((view) => {
        const s = view.byName.get(name);
        if (!s) return { recs: [], result: null };
        const recs: (readonly [LogRec, number])[] = [
          [{ o: 'c', n: s.name, s: s.id, kc: s.kc, vc: s.vc }, -1],
          [{ o: 'x', s: s.id }, 1],
        ];
        for (const [u, c] of s.seals) recs.push([{ o: 's', s: s.id, u }, -c]);
        for (const [f, c] of s.sinces) recs.push([{ o: 'p', s: s.id, f: f < 0 ? null : f }, -c]);
        for (const [u, c] of s.applieds) recs.push([{ o: 'a', s: s.id, u }, -c]);
        for (const { rec, count } of s.writes.values()) recs.push([rec, -count]);
        return { recs, result: s.id };
      });
      if (id === null) return false;
      await this.finalize(id);
      return true;
    });
  }

  /** Closes a destroyed stream's data shard for good, collects its blobs, then forgets it. */
  private async finalize(id: string): Promise<void> {
    const h = await this.data.get(id)?.catch(() => undefined);
    this.data.delete(id);
    const info = await this.client.inspectShard(id).catch((e) => {
      if (e instanceof InvalidUsageError && e.kind === 'UnknownShard') return null; // never opened: no data
      throw e;
    });
    if (info && !info.upper.length && !info.since.length) {
      // closed by a runtime that crashed before finishing: finalizing again is a no-op if it was
      await this.client.admin.finalizeShard(id);
      await this.client.admin.forceGc(id);
    } else if (info) {
      const opts = { keyCodec: rawCodec(info.codecs.key), valCodec: rawCodec(info.codecs.val), diagnostics: { shardName: `destroyed ${id}`, handlePurpose: 'finalize' } };
      const writer = h?.writer ?? (await this.client.openWriter(id, opts));
      const reader = h?.reader ?? (await this.client.openLeasedReader(id, opts));
      for (;;) {
        const upper = await writer.fetchRecentUpper();
        if (!upper.length || (await writer.compareAndAppend([], upper, [])).ok) break;
      }
      // Every other reader of a destroyed stream is stale: none may hold its since back.
      const now = await this.client.inspectShard(id);
      for (const r of [...now.leasedReaders, ...now.criticalReaders]) {
        if (r.id !== reader.readerId) await this.client.admin.expireReader(id, r.id).catch(() => undefined);
      }
      await reader.downgradeSince([]);
      await reader.expire();
      await writer.expire();
      await this.client.admin.finalizeShard(id);
      await this.client.admin.forceGc(id);
    }
    await this.commit((view) => ({ recs: view.doomed.has(id) ? [[{ o: 'x', s: id }, -1]] : [], result: undefined }));
  }

  /** This runtime's writer and since-holding reader of a stream's data shard (bytes in, bytes out). */
  dataHandles(id: string): Promise<DataHandles> {
    let h = this.data.get(id);
    if (!h) {
      const s = this.view.byId.get(id);
      if (!s) throw new InvalidUsageError('UnknownShard', `stream ${id} has been destroyed`);
      const opts = { keyCodec: rawCodec(s.kc), valCodec: rawCodec(s.vc), diagnostics: { shardName: s.name, handlePurpose: 'stream' } };
      h = this.client.open(id, opts).then(([writer, reader]) => ({ writer, reader }));
      this.data.set(id, h);
      h.catch(() => this.data.delete(id));
    }
    return h;
  }

  /** Validates updates for a stream and turns them into write records. */
  writeRecs<K, V>(s: StreamView, keyCodec: Codec<K>, valCodec: Codec<V>, updates: Iterable<Update<K, V>>): WriteRec[] {
    if (updates === null || typeof (updates as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new InvalidUsageError('InvalidArgument', 'updates must be iterable');
    }
    const recs: WriteRec[] = [];
    for (const u of updates) {
      checkUpdateTuple(u);
      const t = checkTime(u[2]);
      const d = checkDiff(u[3]);
      recs.push({ o: 'w', s: s.id, k: b64(keyCodec.encode(u[0])), v: b64(valCodec.encode(u[1])), t, d });
    }
    return recs;
  }

  /** Commits writes to several streams as one log append: all of them or none. */
  async commitWrites(parts: { id: string; name: string; recs: WriteRec[] }[]): Promise<number> {
    const { seqno } = await this.commit((view) => {
      const recs: (readonly [LogRec, number])[] = [];
      for (const p of parts) {
        const s = this.streamById(p.id, p.name);
        const seal = sealOf(s);
        for (const r of p.recs) {
          if (r.t < seal) {
            throw new InvalidUsageError('UpdateNotBeyondLower', `update time ${r.t} for ${s.name} is not at or in advance of the seal frontier [${seal}]`);
          }
          recs.push([r, 1]);
        }
      }
      void view;
      return { recs, result: undefined };
    });
    return seqno;
  }

  /** Seals several streams at `upper` in one log append, then applies each seal. */
  async sealStreams(streams: { id: string; name: string }[], upper: number): Promise<number> {
    if (!Number.isSafeInteger(upper) || upper < 0) throw new InvalidUsageError('InvalidTimestamp', `invalid seal ${upper}: times are non-negative safe integers`);
    const { seqno } = await this.commit(() => {
      const recs: (readonly [LogRec, number])[] = [];
      for (const { id, name } of streams) {
        const s = this.streamById(id, name);
        const seal = sealOf(s);
        if (upper < seal) {
          throw new InvalidUsageError('InvalidSeal', `invalid seal for ${s.name}: ${upper} not at or in advance of current seal frontier [${seal}]`);
        }
        if (upper === seal) continue;
        for (const [u, c] of s.seals) recs.push([{ o: 's', s: id, u }, -c]);
        recs.push([{ o: 's', s: id, u: upper }, 1]);
      }
      return { recs, result: undefined };
    });
    await Promise.all(streams.map(({ id }) => this.apply(id)));
    return seqno;
  }

  async allowCompactionStreams(streams: { id: string; name: string }[], sinceArg: Antichain): Promise<number> {
    const since = checkAntichain(sinceArg, 'since');
    const f = since.length ? since[0] : Infinity;
    const { seqno } = await this.commit(() => {
      const recs: (readonly [LogRec, number])[] = [];
      for (const { id, name } of streams) {
        const s = this.streamById(id, name);
        const cur = sinceOf(s);
        if (f < cur) {
          throw new InvalidUsageError('InvalidSince', `invalid compaction for ${s.name}: ${fmt(since)} not at or in advance of current since frontier [${cur === Infinity ? '' : cur}]`);
        }
        if (f === cur) continue;
        for (const [v, c] of s.sinces) recs.push([{ o: 'p', s: id, f: v < 0 ? null : v }, -c]);
        recs.push([{ o: 'p', s: id, f: f === Infinity ? null : f }, 1]);
      }
      return { recs, result: undefined };
    });
    await Promise.all(streams.map(({ id }) => this.downgradeDataSince(id).catch(() => undefined)));
    return seqno;
  }

  /** The data shard's since follows the stream's, but never past what its readers must still read. */
  private async downgradeDataSince(id: string): Promise<void> {
    const s = this.view.byId.get(id);
    if (!s) return;
    const target = Math.min(sinceOf(s), Math.max(0, appliedOf(s) - 1));
    const { reader } = await this.dataHandles(id);
    if (target > (reader.since()[0] ?? Infinity)) await reader.downgradeSince([target]);
  }

  /**
   * Moves a stream's sealed writes into its data shard (see the design at the top): append the
   * writes in [data upper, seal), then retract them from the log. Safe to run from any runtime,
   * any number of times, and after a crash at any point.
   */
  async apply(id: string): Promise<void> {
    for (;;) {
      const s = this.view.byId.get(id);
      if (!s) return;
      const seal = sealOf(s);
      if (appliedOf(s) >= seal) return;
      const { writer } = await this.dataHandles(id);
      const upper = await writer.fetchRecentUpper();
      if (!upper.length) return;
      const dataUpper = upper[0];
      if (dataUpper < seal) {
        const updates: Update<Uint8Array, Uint8Array>[] = [];
        for (const { rec, count } of s.writes.values()) {
          if (rec.t >= dataUpper && rec.t < seal) updates.push([unb64(rec.k), unb64(rec.v), rec.t, rec.d * count]);
        }
        const res = await writer.compareAndAppend(updates, [dataUpper], [seal]);
        if (!res.ok) continue; // another runtime applied part of it: look again
      }
      const target = Math.max(seal, dataUpper);
      await this.commit((view) => {
        const v = view.byId.get(id);
        if (!v) return { recs: [], result: undefined };
        // Our view may lag a newer seal; only what the data shard certainly holds is retracted.
        const to = Math.min(target, sealOf(v));
        if (appliedOf(v) >= to) return { recs: [], result: undefined };
        const recs: (readonly [LogRec, number])[] = [];
        for (const [u, c] of v.applieds) recs.push([{ o: 'a', s: id, u }, -c]);
        recs.push([{ o: 'a', s: id, u: to }, 1]);
        for (const { rec, count } of v.writes.values()) if (rec.t < to) recs.push([rec, -count]);
        return { recs, result: undefined };
      });
      await this.downgradeDataSince(id).catch(() => undefined);
    }
  }

  /** Registers a listener of one stream's folded events, from the current log position on. */
  subscribe(id: string, l: (e: FoldEvent) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(l);
    return () => set.delete(l);
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopped = true;
      this.resolveStop();
      for (const w of this.waiters.splice(0)) w.resolve();
      this.stopping = (async () => {
        await this.followerDone;
        await Promise.allSettled([...this.background]);
        this.listeners.clear();
        await this.client.close();
      })();
    }
    return this.stopping;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
