// Small helpers over PartColumns.
import type { PartColumns } from './types.js';

const EMPTY_BYTES = new Uint8Array(0);

/** A part with no rows. */
export function emptyColumns(): PartColumns {
  return {
    len: 0,
    keys: { offsets: new Int32Array(1), data: EMPTY_BYTES },
    vals: { offsets: new Int32Array(1), data: EMPTY_BYTES },
    times: new Float64Array(0),
    diffs: new Float64Array(0),
  };
}
