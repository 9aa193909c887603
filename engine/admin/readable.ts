// Which as_of a shard can be read at now. A snapshot at t is complete only once the upper is past t
// and still exact only while the since is at or before t, so the readable times are [since, upper).
// The app's Data tab, the copy home and the CLI's export each used to decide this themselves.
import type { Antichain } from '../antichain.js';

export interface ReadableInput {
  since: Antichain;
  upper: Antichain;
  /** needed only for a shard closed for writes (upper []): its data ends where its batches do */
  batches?: readonly { upper: Antichain }[];
}

/**
 * `ok`: `asOf` can be read. Otherwise `why`: `empty` (nothing written yet: upper 0, no as_of
 * asked for), `not-yet` (asOf at or past the upper: the snapshot would wait for writes) or
 * `compacted` (asOf before the since, or since [] (closed for reads): that past is merged away).
 * `since`/`upper` are the shard's, `null` for [].
 */
export type AsOfVerdict =
  | { ok: true; asOf: number; since: number; upper: number | null }
  | { ok: false; why: 'empty'; asOf: null; since: number | null; upper: number }
  | { ok: false; why: 'not-yet' | 'compacted'; asOf: number; since: number | null; upper: number | null };

const first = (a: Antichain): number | null => (a.length ? a[0] : null);

/**
 * Checks `requested`, or without one picks the newest readable time: upper - 1, or for a shard
 * closed for writes the last time a batch covers (never before the since).
 */
export function readableAsOf(s: ReadableInput, requested?: number | null): AsOfVerdict {
  const since = first(s.since);
  const upper = first(s.upper);
  let asOf: number;
  if (requested === undefined || requested === null) {
    if (upper === 0) return { ok: false, why: 'empty', asOf: null, since, upper };
    asOf = upper === null ? Math.max(since ?? 0, ...(s.batches ?? []).map((b) => (b.upper.length ? b.upper[0] - 1 : 0))) : upper - 1;
  } else {
    asOf = requested;
    if (upper !== null && asOf >= upper) return { ok: false, why: 'not-yet', asOf, since, upper };
  }
  if (since === null || asOf < since) return { ok: false, why: 'compacted', asOf, since, upper };
  return { ok: true, asOf, since, upper };
}
