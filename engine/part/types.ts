// A part is an immutable, sorted, consolidated run of updates whose keys and values are already
// encoded by their codecs. The engine handles bytes only; codecs decode at the edge.

/** Variable-length binary values: value i is data[offsets[i] .. offsets[i+1]). */
export interface BinaryColumn {
  readonly offsets: Int32Array; // length len + 1, offsets[0] = 0
  readonly data: Uint8Array;
}

/**
 * Columnar updates. Sorted by (key bytes, val bytes, time) ascending (bytewise, shorter prefix
 * first) and consolidated (no two rows share key, val and time; no zero diffs) when `sorted`.
 */
export interface PartColumns {
  readonly len: number;
  readonly keys: BinaryColumn;
  readonly vals: BinaryColumn;
  readonly times: Float64Array; // safe non-negative integers; int64 on disk
  readonly diffs: Float64Array; // safe integers; int64 on disk
}
