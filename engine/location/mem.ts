// In-process storage for tests: `mem://NAME` is one shared store per NAME for the whole process.
import type { Blob, BlobMeta, CasResult, Consensus, VersionedData } from './types.js';
import { checkCas, checkKey, checkScan, checkTruncate } from './validate.js';
import { callSoon, HandleWatches, SeenHeads, Watchers } from './watchers.js';

/** Data of one mem consensus; handles over it come and go, the data stays for the process lifetime. */
class ConsensusStore {
  readonly versions = new Map<string, VersionedData[]>();
  readonly watchers = new Watchers();
}

class BlobStore {
  readonly values = new Map<string, Uint8Array>();
}

const consensusStores = new Map<string, ConsensusStore>();
const blobStores = new Map<string, BlobStore>();

function closedError(what: string): Error {
  // Not a LocationError: retrying cannot reopen a handle the caller closed.
  return new Error(`${what} is closed`);
}

// Copies in and out so a caller mutating its buffer cannot change stored history.
const copy = (v: VersionedData): VersionedData => ({ seqno: v.seqno, data: v.data.slice() });

export class MemConsensus implements Consensus {
  private closed = false;
  private readonly watches = new HandleWatches();
  private readonly seen = new SeenHeads();

  constructor(private readonly store: ConsensusStore = new ConsensusStore()) {}

  /** The handle of `mem://name`: every handle of one name sees the same versions. */
  static named(name: string): MemConsensus {
    let store = consensusStores.get(name);
    if (!store) consensusStores.set(name, (store = new ConsensusStore()));
    return new MemConsensus(store);
  }

  private check(): void {
    if (this.closed) throw closedError('mem consensus');
  }

  async head(key: string): Promise<VersionedData | null> {
    this.check();
    checkKey(key);
    const vs = this.store.versions.get(key);
    const head = vs && vs.length ? copy(vs[vs.length - 1]) : null;
    this.seen.saw(key, head?.seqno);
    return head;
  }

  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    this.check();
    checkCas(key, expected, data);
    let vs = this.store.versions.get(key);
    const head = vs && vs.length ? vs[vs.length - 1] : null;
    this.seen.saw(key, head?.seqno);
    if ((head?.seqno ?? null) !== expected) return { ok: false, current: head && copy(head) };
    if (!vs) this.store.versions.set(key, (vs = []));
    vs.push(copy(data));
    this.seen.saw(key, data.seqno);
    this.store.watchers.notify(key, data.seqno);
    return { ok: true };
  }

  async scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    this.check();
    checkScan(key, fromSeqno, limit);
    const vs = this.store.versions.get(key) ?? [];
    const out: VersionedData[] = [];
    for (const v of vs) {
      if (out.length >= limit) break;
      if (v.seqno >= fromSeqno) out.push(copy(v));
    }
    this.seen.saw(key, out[out.length - 1]?.seqno);
    return out;
  }

  async truncate(key: string, belowSeqno: number): Promise<number> {
    this.check();
    checkTruncate(key, belowSeqno);
    const vs = this.store.versions.get(key);
    if (!vs || vs.length === 0) return 0;
    let n = 0;
    while (n < vs.length - 1 && vs[n].seqno < belowSeqno) n++;
    vs.splice(0, n);
    return n;
  }

  async listKeys(): Promise<string[]> {
    this.check();
    return [...this.store.versions.keys()].filter((k) => this.store.versions.get(k)!.length > 0).sort();
  }

  watch(key: string, onChange: (seqno?: number) => void): () => void {
    this.check();
    checkKey(key);
    const off = this.store.watchers.add(key, onChange);
    const vs = this.store.versions.get(key);
    const head = vs && vs.length ? vs[vs.length - 1].seqno : undefined;
    const seen = this.seen.get(key);
    // Written between the caller's last read and this watch: the caller has not seen it yet.
    if (seen !== undefined && head !== undefined && head > seen) callSoon(key, onChange);
    return this.watches.track(off);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watches.closeAll();
  }
}

export class MemBlob implements Blob {
  private closed = false;

  constructor(private readonly store: BlobStore = new BlobStore()) {}

  static named(name: string): MemBlob {
    let store = blobStores.get(name);
    if (!store) blobStores.set(name, (store = new BlobStore()));
    return new MemBlob(store);
  }

  private check(): void {
    if (this.closed) throw closedError('mem blob');
  }

  async get(key: string): Promise<Uint8Array | null> {
    this.check();
    checkKey(key);
    return this.store.values.get(key)?.slice() ?? null;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.check();
    checkKey(key);
    this.store.values.set(key, value.slice());
  }

  async delete(key: string): Promise<number | null> {
    this.check();
    checkKey(key);
    const v = this.store.values.get(key);
    if (!v) return null;
    this.store.values.delete(key);
    return v.byteLength;
  }

  async list(prefix: string): Promise<BlobMeta[]> {
    this.check();
    const out: BlobMeta[] = [];
    for (const [key, v] of this.store.values) if (key.startsWith(prefix)) out.push({ key, sizeBytes: v.byteLength });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
