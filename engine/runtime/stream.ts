// The handles of one stream: write/seal/allowCompaction, and snapshot/listen over its data shard
// (sealed writes) joined with its unsealed writes in the runtime's log.
import type { Antichain } from '../antichain.js';
import type { Codec } from '../codec.js';
import type { ReadHandle } from '../read.js';
import type { Update } from '../update.js';
import type { WriteHandle } from '../write.js';
import { appliedOf, sealOf, sinceOf, unb64, type FoldEvent, type LogView, type StreamView, type WriteRec } from './log.js';

/** What a stream's handles use of their runtime (RuntimeImpl): named here so the two files do not import each other. */
export interface StreamHost {
  readonly view: LogView;
  guard<T>(f: () => Promise<T>): Promise<T>;
  streamById(id: string, name: string): StreamView;
  catchUp(): Promise<void>;
  dataHandles(id: string): Promise<{ writer: WriteHandle<Uint8Array, Uint8Array>; reader: ReadHandle<Uint8Array, Uint8Array> }>;
  writeRecs<K, V>(s: StreamView, keyCodec: Codec<K>, valCodec: Codec<V>, updates: Iterable<Update<K, V>>): WriteRec[];
  commitWrites(parts: { id: string; name: string; recs: WriteRec[] }[]): Promise<number>;
  sealStreams(streams: { id: string; name: string }[], upper: number): Promise<number>;
  allowCompactionStreams(streams: { id: string; name: string }[], since: Antichain): Promise<number>;
  subscribe(id: string, l: (e: FoldEvent) => void): () => void;
}

export interface StreamWriteHandle<K, V> {
  readonly name: string;
  readonly streamId: string;
  write(updates: Iterable<Update<K, V>>): Promise<number>;
  seal(upper: number): Promise<number>;
  allowCompaction(since: Antichain): Promise<number>;
}

export type StreamEvent<K, V> = { kind: 'records'; updates: Update<K, V>[] } | { kind: 'sealed'; upper: number };

export interface StreamReadHandle<K, V> {
  readonly name: string;
  snapshot(): Promise<DecodedSnapshot<K, V>>;
  listen(onEvent: (e: StreamEvent<K, V>) => void): Promise<DecodedSnapshot<K, V>>;
}

export interface DecodedSnapshot<K, V> {
  readonly seqno: number;
  readonly since: Antichain;
  readonly seal: Antichain;
  readToEnd(): Promise<Update<K, V>[]>;
  intoIters(n: number): AsyncIterable<Update<K, V>>[];
}

export class StreamWriteHandleImpl<K, V> implements StreamWriteHandle<K, V> {
  constructor(
    readonly runtime: StreamHost,
    readonly name: string,
    readonly streamId: string,
    readonly keyCodec: Codec<K>,
    readonly valCodec: Codec<V>,
  ) {}

  write(updates: Iterable<Update<K, V>>): Promise<number> {
    return this.runtime.guard(async () => {
      const s = this.runtime.streamById(this.streamId, this.name);
      const recs = this.runtime.writeRecs(s, this.keyCodec, this.valCodec, updates);
      return this.runtime.commitWrites([{ id: this.streamId, name: this.name, recs }]);
    });
  }

  seal(upper: number): Promise<number> {
    return this.runtime.guard(() => this.runtime.sealStreams([{ id: this.streamId, name: this.name }], upper));
  }

  allowCompaction(since: Antichain): Promise<number> {
    return this.runtime.guard(() => this.runtime.allowCompactionStreams([{ id: this.streamId, name: this.name }], since));
  }
}

export class StreamReadHandleImpl<K, V> implements StreamReadHandle<K, V> {
  constructor(
    private readonly runtime: StreamHost,
    readonly name: string,
    readonly streamId: string,
    private readonly keyCodec: Codec<K>,
    private readonly valCodec: Codec<V>,
  ) {}

  snapshot(): Promise<DecodedSnapshot<K, V>> {
    return this.runtime.guard(async () => {
      await this.runtime.catchUp();
      return this.capture();
    });
  }

  listen(onEvent: (e: StreamEvent<K, V>) => void): Promise<DecodedSnapshot<K, V>> {
    return this.runtime.guard(async () => {
      if (typeof onEvent !== 'function') throw new TypeError('listen needs a callback');
      await this.runtime.catchUp();
      // Capture and subscribe in one synchronous step: the view changes only in the log follower,
      // so the snapshot is exactly the log through `seqno` and the events everything after it.
      const snap = this.capture();
      this.runtime.subscribe(this.streamId, (e: FoldEvent) => {
        try {
          if (e.kind === 'seal') onEvent({ kind: 'sealed', upper: e.upper });
          else {
            const u: Update<K, V> = [this.keyCodec.decode(unb64(e.rec.k)), this.valCodec.decode(unb64(e.rec.v)), e.rec.t, e.rec.d];
            onEvent({ kind: 'records', updates: Array.from({ length: e.count }, () => u) });
          }
        } catch {
          // A throwing callback must not stop the runtime's log follower.
        }
      });
      return snap;
    });
  }

  /** The stream at the log position folded now (synchronous: see listen). */
  private capture(): DecodedSnapshot<K, V> {
    const s = this.runtime.streamById(this.streamId, this.name);
    const seqno = this.runtime.view.upper - 1;
    const applied = appliedOf(s);
    const since = sinceOf(s);
    const unsealed: Update<K, V>[] = [];
    for (const { rec, count } of s.writes.values()) {
      if (rec.t >= applied) unsealed.push([this.keyCodec.decode(unb64(rec.k)), this.valCodec.decode(unb64(rec.v)), rec.t, rec.d * count]);
    }
    const readData = async (): Promise<Update<K, V>[]> => (applied > 0 ? this.readData(applied) : []);
    return new DecodedSnapshotImpl(seqno, since === Infinity ? [] : [since], [sealOf(s)], async () => [...(await readData()), ...unsealed]);
  }

  /** Everything of the data shard below `applied`, at its original times as far as its since allows. */
  private async readData(applied: number): Promise<Update<K, V>[]> {
    const { reader } = await this.runtime.dataHandles(this.streamId);
    const clone = await reader.clone('stream snapshot');
    try {
      const since = clone.since();
      const asOf = since.length ? Math.min(since[0], applied - 1) : applied - 1;
      const sub = await clone.subscribe([asOf]);
      const out: Update<K, V>[] = [];
      for (;;) {
        let done = false;
        for (const e of await sub.fetchNext()) {
          if (e.kind === 'updates') {
            for (const [k, v, t, d] of e.updates) if (t < applied) out.push([this.keyCodec.decode(k), this.valCodec.decode(v), t, d]);
          } else if (!e.frontier.length || e.frontier[0] >= applied) done = true;
        }
        if (done) return out;
      }
    } finally {
      await clone.expire().catch(() => undefined);
    }
  }
}

export class DecodedSnapshotImpl<K, V> implements DecodedSnapshot<K, V> {
  private data: Promise<Update<K, V>[]> | null = null;
  constructor(
    readonly seqno: number,
    readonly since: Antichain,
    readonly seal: Antichain,
    private readonly read: () => Promise<Update<K, V>[]>,
  ) {}

  readToEnd(): Promise<Update<K, V>[]> {
    this.data ??= this.read();
    return this.data.then((d) => [...d]);
  }

  /** n iterators that together yield the snapshot once (update i goes to iterator i mod n). */
  intoIters(n: number): AsyncIterable<Update<K, V>>[] {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`intoIters needs a positive integer, got ${n}`);
    return Array.from({ length: n }, (_, i) => ({
      [Symbol.asyncIterator]: async function* (this: DecodedSnapshotImpl<K, V>) {
        const all = await this.readToEnd();
        for (let j = i; j < all.length; j += n) yield all[j];
      }.bind(this),
    }));
  }
}
