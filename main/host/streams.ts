// The streams runtime of one open location, as the Streams view uses it: started on first use,
// stopped when the location closes. Every request reads the runtime's folded log, so what a
// second runtime (a CLI, another app) did shows up here too.
import { PersistClient, REGISTRY_SHARD, type Antichain, type StreamWriteHandle } from '../../engine/index.js';
import { MultiWriteHandle } from '../../engine/index.js';
// startRuntime opens a client of its own from a location URI; the host has only the location's
// client, so it starts the runtime on a second client over the same consensus and blob.
import { RuntimeImpl } from '../../engine/runtime/runtime.js';
import type { AtomicWriteInfo, StreamRow, StreamSnapshotInfo, StreamSummary } from '../../preload/streams-contract.js';
import { AppError } from '../router/errors.js';
import { codecByName, formatterFor, parseValue } from './codecs.js';

type Runtime = RuntimeImpl;
type Handle = StreamWriteHandle<unknown, unknown>;
export interface TypedUpdate {
  key: string;
  val: string;
  time: number;
  diff: number;
}

const frontier = (a: Antichain): number | null => (a.length ? a[0] : null);

/** The location's consensus or blob, shared: the runtime's client must not close what the location owns. */
function shared<T extends object>(x: T): T {
  return new Proxy(x, {
    get(t, p) {
      if (p === 'close') return async () => undefined;
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

export class LocationStreams {
  private starting: Promise<Runtime> | null = null;
  private readonly handles = new Map<string, Promise<Handle>>();
  private stopped = false;

  constructor(private readonly client: () => PersistClient) {}

  private runtime(): Promise<Runtime> {
    if (this.stopped) return Promise.reject(new AppError('Closed', 'this location is closed; open it again'));
    if (!this.starting) {
      const c = this.client();
      const own = PersistClient.openWith({ consensus: shared(c.storage.consensus), blob: shared(c.storage.blob) }, c.config);
      this.starting = RuntimeImpl.start(own, REGISTRY_SHARD);
      this.starting.catch(() => {
        this.starting = null;
        void own.close().catch(() => undefined);
      });
    }
    return this.starting;
  }

  async list(): Promise<StreamSummary[]> {
    const rt = await this.runtime();
    return (await rt.listStreams()).map((s) => ({
      name: s.name,
      shard: s.streamId,
      seal: frontier(s.seal),
      since: frontier(s.since),
      unsealedUpdates: s.unsealedUpdates,
      lastWriteMs: s.lastWriteMs,
      codecs: s.codecs,
    }));
  }

  private async find(name: string): Promise<StreamSummary> {
    const s = (await this.list()).find((x) => x.name === name);
    if (!s) throw new AppError('NotFound', `there is no stream "${name}" in this location; create it first`);
    return s;
  }

  /** The runtime's write handle of an existing stream (never creates one). */
  private async handle(name: string): Promise<{ h: Handle; info: StreamSummary }> {
    const info = await this.find(name);
    const key = `${name}\u0000${info.shard}`;
    let h = this.handles.get(key);
    if (!h) {
      const rt = await this.runtime();
      h = rt.createOrLoad(name, codecByName(info.codecs.key), codecByName(info.codecs.val)).then(([w]) => w);
      this.handles.set(key, h);
      h.catch(() => this.handles.delete(key));
    }
    return { h: await h, info };
  }

  async create(name: string, keyCodec: string, valCodec: string): Promise<StreamSummary> {
    const rt = await this.runtime();
    const existing = (await this.list()).find((s) => s.name === name);
    if (existing && existing.codecs.key === keyCodec && existing.codecs.val === valCodec) {
      throw new AppError('Conflict', `a stream named "${name}" already exists (shard ${existing.shard}); choose another name`);
    }
    // A name taken with other codecs: the runtime's CodecMismatch says which codec differs.
    await rt.createOrLoad(name, codecByName(keyCodec), codecByName(valCodec));
    return this.find(name);
  }

  private static typed(codecs: { key: string; val: string }, updates: TypedUpdate[], stream: string) {
    return updates.map((u, n) => {
      const what = `${stream}, row ${n + 1}`;
      return [parseValue(codecs.key, u.key, `${what}: key`), parseValue(codecs.val, u.val, `${what}: value`), u.time, u.diff] as [unknown, unknown, number, number];
    });
  }

  async write(name: string, updates: TypedUpdate[]): Promise<{ seqno: number; written: number }> {
    const { h, info } = await this.handle(name);
    const rows = LocationStreams.typed(info.codecs, updates, name);
    return { seqno: await h.write(rows), written: rows.length };
  }

  async writeAtomic(writes: { stream: string; updates: TypedUpdate[] }[]): Promise<AtomicWriteInfo> {
    const parts: { h: Handle; rows: [unknown, unknown, number, number][]; w: { stream: string; updates: TypedUpdate[] } }[] = [];
    for (const w of writes) {
      const { h, info } = await this.handle(w.stream);
      parts.push({ h, rows: LocationStreams.typed(info.codecs, w.updates, w.stream), w });
    }
    const multi = MultiWriteHandle.of(parts.map((p) => p.h));
    const seqno = await multi.writeAtomic((b) => {
      for (const p of parts) b.add(p.h, p.rows);
    });
    // Read every stream back: the user sees the write in each of them, not only an ack.
    const landed = [];
    for (const p of parts) {
      const snap = await this.snapshot(p.w.stream, 10_000);
      const have = new Map<string, number>();
      for (const r of snap.rows) have.set(rowKey(r), (have.get(rowKey(r)) ?? 0) + 1);
      let found = 0;
      for (const u of p.w.updates) {
        const k = rowKey({ key: u.key, val: u.val, time: u.time, diff: u.diff });
        const n = have.get(k) ?? 0;
        if (n > 0) {
          found++;
          have.set(k, n - 1);
        }
      }
      landed.push({ name: p.w.stream, written: p.w.updates.length, found });
    }
    return { seqno, landed };
  }

  async snapshot(name: string, limit: number): Promise<StreamSnapshotInfo> {
    const info = await this.find(name);
    const rt = await this.runtime();
    const [, r] = await rt.createOrLoad(name, codecByName(info.codecs.key), codecByName(info.codecs.val));
    const snap = await r.snapshot();
    const all = await snap.readToEnd();
    const fk = formatterFor(info.codecs.key);
    const fv = formatterFor(info.codecs.val);
    const rows: StreamRow[] = all
      .map(([k, v, t, d]) => ({ key: fk(k), val: fv(v), time: t, diff: d }))
      .sort((a, b) => a.time - b.time || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { name, seal: frontier(snap.seal), since: frontier(snap.since), rows: rows.slice(0, limit), total: rows.length };
  }

  async seal(name: string, upper: number): Promise<StreamSummary> {
    const { h } = await this.handle(name);
    await h.seal(upper);
    return this.find(name);
  }

  async allowCompaction(name: string, since: number): Promise<StreamSummary> {
    const { h } = await this.handle(name);
    await h.allowCompaction([since]);
    return this.find(name);
  }

  async destroy(name: string, confirmName: string): Promise<{ existed: boolean }> {
    if (confirmName !== name) throw new AppError('BadRequest', `type the stream's name "${name}" exactly to destroy it; nothing was done`);
    await this.find(name);
    const rt = await this.runtime();
    for (const k of [...this.handles.keys()]) if (k.startsWith(`${name}\u0000`)) this.handles.delete(k);
    return { existed: await rt.destroy(name) };
  }

  /** Idempotent; afterwards every request says the location is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    const rt = await this.starting?.catch(() => null);
    this.handles.clear();
    await rt?.stop();
  }
}

const rowKey = (r: StreamRow): string => JSON.stringify([r.key, r.val, r.time, r.diff]);

