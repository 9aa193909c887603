// The reference model of one shard: what a user may rely on, with none of the engine's machinery.
// A shard is a list of acknowledged updates and an upper; readers hold sinces. Reads at `asOf`
// are the updates at or before `asOf`, advanced to `asOf` and consolidated, whatever compaction,
// garbage collection or reopening did in between.
import type { Update } from '../index.js';

export type U = Update<string, string>;

/** A listen of the model; Real.listens holds the engine's listens in the same order. */
export interface ListenModel {
  asOf: number;
  /** set by a lease expiry: the next fetchNext must reject with LeaseExpiredError */
  expired: boolean;
}

export interface Model {
  updates: U[];
  upper: number;
  /** since of the main leased reader */
  readerSince: number;
  critSince: number;
  critOpaque: string;
  listens: ListenModel[];
}

export function newModel(): Model {
  return { updates: [], upper: 0, readerSince: 0, critSince: 0, critOpaque: '', listens: [] };
}

const sep = '\u0000';

/** Sums diffs of equal (key, val, time) and drops zeros; sorted, so two results compare with deepEqual. */
export function consolidate(us: Iterable<U>): U[] {
  const sums = new Map<string, number>();
  for (const [k, v, t, d] of us) {
    const id = `${k}${sep}${v}${sep}${t}`;
    sums.set(id, (sums.get(id) ?? 0) + d);
  }
  const out: U[] = [];
  for (const [id, d] of sums) {
    if (d === 0) continue;
    const [k, v, t] = id.split(sep);
    out.push([k, v, Number(t), d]);
  }
  return sortUpdates(out);
}

export function sortUpdates(us: U[]): U[] {
  return us.sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : a[2] - b[2] || a[3] - b[3]));
}

/** What a snapshot at [asOf] must hold. */
export function snapshotAt(m: Model, asOf: number): U[] {
  return consolidate(m.updates.filter((u) => u[2] <= asOf).map(([k, v, , d]) => [k, v, asOf, d] as U));
}

/** What a listen from [asOf] must have delivered once its frontier is [frontier]: times in (asOf, frontier). */
export function listenedBetween(m: Model, asOf: number, frontier: number): U[] {
  return consolidate(m.updates.filter((u) => u[2] > asOf && u[2] < frontier));
}
