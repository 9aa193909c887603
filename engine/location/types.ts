// Storage the engine is built on. Both are linearizable; neither knows anything about shards.

/** One version of a consensus key. Seqnos of a key strictly increase. */
export interface VersionedData {
  readonly seqno: number;
  readonly data: Uint8Array;
}

/** committed, or a mismatch carrying the current head (null when the key has no versions). */
export type CasResult = { readonly ok: true } | { readonly ok: false; readonly current: VersionedData | null };

export interface Consensus {
  /** The newest version of key, or null. */
  head(key: string): Promise<VersionedData | null>;
  /**
   * Writes `data` iff the newest version of key has seqno `expected` (null: the key has none).
   * `data.seqno` must be greater than `expected`. Two racers on one expected seqno: exactly one wins.
   */
  compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult>;
  /** Versions with seqno >= fromSeqno in ascending order, at most `limit` of them. */
  scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]>;
  /** Deletes versions with seqno < belowSeqno; never the head. Returns how many were deleted. */
  truncate(key: string, belowSeqno: number): Promise<number>;
  listKeys(): Promise<string[]>;
  /**
   * Calls `onChange` (soon, not necessarily synchronously) after key may have a new version,
   * whether written by this process or another one sharing the location. `seqno`, when the
   * location knows it, is the newest version now written. Returns an unsubscribe.
   */
  watch(key: string, onChange: (seqno?: number) => void): () => void;
  close(): Promise<void>;
}

export interface BlobMeta {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface Blob {
  get(key: string): Promise<Uint8Array | null>;
  /** Atomic: a reader sees all of value or nothing (and the previous value, if any). */
  set(key: string, value: Uint8Array): Promise<void>;
  /** Returns the size of what was deleted, or null when nothing was there. */
  delete(key: string): Promise<number | null>;
  list(prefix: string): Promise<BlobMeta[]>;
  close(): Promise<void>;
}
