// Storage wrappers for tests that fail a fraction of calls the way real networks do.
import { LocationError } from '../errors.js';
import type { Blob, BlobMeta, CasResult, Consensus, VersionedData } from './types.js';
import { rng } from '../testing/rng.js';

export interface UnreliableOptions {
  /** Fraction of calls (0..1) that fail. Changeable later through `failRate`. */
  failRate: number;
  /** Fraction of failures that are indeterminate; of those, half still take effect. Default 0.5. */
  indeterminateRate?: number;
  /** Seed for a reproducible sequence of failures. */
  seed?: number;
}

class Faults {
  failRate: number;
  readonly indeterminateRate: number;
  readonly random: () => number;
  /** Counts, for tests that want to know the wrapper really did something. */
  readonly stats = { calls: 0, determinate: 0, indeterminateApplied: 0, indeterminateNotApplied: 0 };

  constructor(o: UnreliableOptions) {
    this.failRate = o.failRate;
    this.indeterminateRate = o.indeterminateRate ?? 0.5;
    this.random = o.seed === undefined ? Math.random : rng(o.seed);
  }

  /**
   * Runs op, or fails instead of or after it. Reads fail without effect either way; a write that
   * fails indeterminately runs first half of the time, as when the reply, not the request, is lost.
   */
  async run<T>(what: string, op: () => Promise<T>, mutates: boolean): Promise<T> {
    this.stats.calls++;
    if (this.random() >= this.failRate) return op();
    if (this.random() >= this.indeterminateRate) {
      this.stats.determinate++;
      throw new LocationError(`injected failure: ${what}`, true);
    }
    if (mutates && this.random() < 0.5) {
      await op();
      this.stats.indeterminateApplied++;
    } else this.stats.indeterminateNotApplied++;
    throw new LocationError(`injected timeout: ${what}`, false);
  }
}

/** What both wrappers share: the fault source, its knobs and counts, and closing the inner store. */
abstract class FaultInjecting<I extends { close(): Promise<void> }> {
  private readonly faults: Faults;

  constructor(
    readonly inner: I,
    options: UnreliableOptions,
  ) {
    this.faults = new Faults(options);
  }

  get failRate(): number {
    return this.faults.failRate;
  }
  set failRate(rate: number) {
    this.faults.failRate = rate;
  }
  get stats(): Faults['stats'] {
    return this.faults.stats;
  }

  protected run<T>(what: string, op: () => Promise<T>, mutates: boolean): Promise<T> {
    return this.faults.run(what, op, mutates);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export class UnreliableConsensus extends FaultInjecting<Consensus> implements Consensus {
  head(key: string): Promise<VersionedData | null> {
    return this.run(`head ${key}`, () => this.inner.head(key), false);
  }
  compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    return this.run(`compare-and-set ${key}@${data.seqno}`, () => this.inner.compareAndSet(key, expected, data), true);
  }
  scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    return this.run(`scan ${key}`, () => this.inner.scan(key, fromSeqno, limit), false);
  }
  truncate(key: string, belowSeqno: number): Promise<number> {
    return this.run(`truncate ${key}`, () => this.inner.truncate(key, belowSeqno), true);
  }
  listKeys(): Promise<string[]> {
    return this.run('list keys', () => this.inner.listKeys(), false);
  }
  /** never fails: a watch is a hint, and the engine polls as well */
  watch(key: string, onChange: (seqno?: number) => void): () => void {
    return this.inner.watch(key, onChange);
  }
}

export class UnreliableBlob extends FaultInjecting<Blob> implements Blob {
  get(key: string): Promise<Uint8Array | null> {
    return this.run(`get ${key}`, () => this.inner.get(key), false);
  }
  set(key: string, value: Uint8Array): Promise<void> {
    return this.run(`set ${key}`, () => this.inner.set(key, value), true);
  }
  delete(key: string): Promise<number | null> {
    return this.run(`delete ${key}`, () => this.inner.delete(key), true);
  }
  list(prefix: string): Promise<BlobMeta[]> {
    return this.run(`list ${prefix}`, () => this.inner.list(prefix), false);
  }
}
