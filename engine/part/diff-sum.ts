// Exact sums of diffs. Every diff is a safe integer, but a sum of accepted diffs need not be: a
// (key, val, time) whose diffs sum past 2^53 - 1 is kept as several rows (each a safe integer)
// rather than failing a read or a compaction forever. A group's running sum is held exactly as
// carry * MAX + rest, with |rest| <= MAX, and written out as `full` rows of sign * MAX and one row
// of `rest` (same sign), so that any order of the same updates gives the same rows.

export const MAX_DIFF = Number.MAX_SAFE_INTEGER;

/**
 * rest + d when that leaves the safe range (|rest|, |d| <= MAX): the new rest, with the carry
 * moved by `up` (+1 or -1). Both steps are exact in floating point.
 */
export function overflowRest(rest: number, d: number): { rest: number; up: number } {
  return rest + d > 0 ? { rest: rest - MAX_DIFF + d, up: 1 } : { rest: rest + MAX_DIFF + d, up: -1 };
}

/** How carry * MAX + rest is written: `full` rows of sign * MAX, then `rest` unless it is zero. */
export function spillOf(carry: number, rest: number): { sign: number; full: number; rest: number } {
  if (carry > 0 && rest < 0) {
    carry--;
    rest += MAX_DIFF;
  } else if (carry < 0 && rest > 0) {
    carry++;
    rest -= MAX_DIFF;
  }
  return { sign: carry < 0 ? -1 : 1, full: Math.abs(carry), rest };
}
