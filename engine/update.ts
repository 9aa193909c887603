// One update of a shard as callers give and get it: a key, a value, a time and a diff (the
// multiplicity: +1 insert, -1 retract). Writers, readers, listens and the runtime all speak it.
export type Update<K, V> = readonly [key: K, val: V, time: number, diff: number];
