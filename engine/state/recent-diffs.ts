// The diffs of the newest versions this process wrote or read, by seqno. A version never changes
// once written (compare-and-set only adds above the head; truncation only removes), so a diff
// held here is exactly the one in consensus, and GC, which reads the diffs since its last run,
// need not read back and decode what this process just applied (a tenth of a small append's CPU).
import type { StateDiff } from './types.js';

/**
 * Diffs held at most: a few GC ranges (a range is about the rollup threshold, 128 by default).
 * Only a machine that keeps up with its shard (its own writes, its refreshes) adds to it, so a
 * process that merely loads many shards holds none.
 */
const MAX_HELD = 512;

export class RecentDiffs {
  /** seqno of held[0]; held is a contiguous run of seqnos */
  private first = 0;
  private held: StateDiff[] = [];

  /** Notes a diff that is in consensus. Older ones than those held are ignored; a gap starts over. */
  add(diff: StateDiff): void {
    const next = this.first + this.held.length;
    if (this.held.length > 0 && diff.seqno < next) return;
    if (this.held.length === 0 || diff.seqno > next) {
      this.first = diff.seqno;
      this.held = [diff];
      return;
    }
    this.held.push(diff);
    if (this.held.length > MAX_HELD) {
      const drop = this.held.length - MAX_HELD / 2;
      this.held = this.held.slice(drop);
      this.first += drop;
    }
  }

  /** The diffs with seqno in [from, until], if all of them are held; else null. */
  range(from: number, until: number): StateDiff[] | null {
    if (until < from || from < this.first || until >= this.first + this.held.length) return null;
    return this.held.slice(from - this.first, until - this.first + 1);
  }
}
