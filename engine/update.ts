// One update of a shard as callers give and get it: a key, a value, a time and a diff (the
// multiplicity: +1 insert, -1 retract). Writers, readers, listens and the runtime all speak it.
import { InvalidUsageError } from './errors.js';

export type Update<K, V> = readonly [key: K, val: V, time: number, diff: number];

/** Each place that takes updates from callers rejects a non-tuple the same way. */
export function checkUpdateTuple(u: unknown): asserts u is Update<unknown, unknown> {
  if (!Array.isArray(u) || u.length !== 4) throw new InvalidUsageError('InvalidArgument', 'each update must be a [key, val, time, diff] tuple');
}
