// A consensus wrapper whose compare-and-sets a test scripts one by one: let one land and then lose
// its reply (an indeterminate timeout), run something (another client's write) in between, or fail
// without effect. The faults of a real network at the exact moment a test needs them.
import { LocationError } from '../errors.js';
import type { CasResult, Consensus, VersionedData } from '../location/types.js';

/** What to do with one compare-and-set: run it normally, or fail after or instead of it. */
export type CasScript =
  | { kind: 'pass' }
  /** the next write that lands: then `between` runs, then the caller sees a timeout */
  | { kind: 'landThenFail'; between?: () => Promise<void> }
  /** the caller sees a failure (a timeout unless determinate); the write did not land */
  | { kind: 'failUnapplied'; determinate?: boolean; between?: () => Promise<void> };

export class ScriptedConsensus implements Consensus {
  /** Scripts for the next compare-and-sets, in order; when empty, calls pass. */
  readonly next: CasScript[] = [];
  /** Fails every read and write while true (a storage outage), indeterminately. */
  down = false;
  readonly stats = { cas: 0, landedThenFailed: 0, failed: 0 };

  constructor(readonly inner: Consensus) {}

  private checkUp(what: string): void {
    if (this.down) throw new LocationError(`injected outage: ${what}`, false);
  }

  head(key: string): Promise<VersionedData | null> {
    this.checkUp(`head ${key}`);
    return this.inner.head(key);
  }

  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    this.checkUp(`compare-and-set ${key}`);
    this.stats.cas++;
    const script = this.next.shift() ?? { kind: 'pass' };
    if (script.kind === 'pass') return this.inner.compareAndSet(key, expected, data);
    if (script.kind === 'landThenFail') {
      const res = await this.inner.compareAndSet(key, expected, data);
      if (!res.ok) {
        // Lost a race: the script is for the next write that lands.
        this.next.unshift(script);
        return res;
      }
      this.stats.landedThenFailed++;
      await script.between?.();
      throw new LocationError(`injected timeout after compare-and-set ${key}@${data.seqno} landed`, false);
    }
    this.stats.failed++;
    await script.between?.();
    throw new LocationError(`injected failure of compare-and-set ${key}@${data.seqno}`, script.determinate ?? false);
  }

  scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    this.checkUp(`scan ${key}`);
    return this.inner.scan(key, fromSeqno, limit);
  }

  truncate(key: string, belowSeqno: number): Promise<number> {
    this.checkUp(`truncate ${key}`);
    return this.inner.truncate(key, belowSeqno);
  }

  listKeys(): Promise<string[]> {
    this.checkUp('list keys');
    return this.inner.listKeys();
  }

  watch(key: string, onChange: (seqno?: number) => void): () => void {
    return this.inner.watch(key, onChange);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
