// A part handed out by a read (snapshot, listen): plain data, so it can cross to another process
// and come back to fetchPart. Its lease keeps the state version it came from, and so the part's
// blob, out of GC's reach until the part is fetched or returned.
import type { PartRef } from './state/types.js';

export interface LeasedPart {
  readonly shardId: string;
  readonly readerId: string;
  readonly leaseId: number;
  /** the state version the part came from: GC keeps it until the lease is returned */
  readonly seqno: number;
  readonly part: PartRef;
  /** rows with time outside [timeLower, timeUpper) are not part of the read; null = unbounded */
  readonly timeLower: number;
  readonly timeUpper: number | null;
  /** kept times are advanced to max(time, advanceTo) */
  readonly advanceTo: number;
}
