// Fetching parts: from blob (checksummed columnar encoding) or inline in state. The one place a
// part's bytes are read, for reads, listens, compaction and a builder's run merges.
import { CorruptDataError } from './errors.js';
import type { Blob } from './location/types.js';
import { retryExternal } from './location/retry.js';
import { decodePart } from './part/encode.js';
import type { DecodeInto } from './part/merge.js';
import { columnsFromInline } from './part/inline.js';
import type { PartColumns } from './part/types.js';
import type { PartRef } from './state/types.js';

// Re-exported for callers outside part/ that still import the codec from here.
export { columnsFromInline, inlineFromColumns, inlineSize, inlineSizeOf } from './part/inline.js';

/** A blob part's encoded bytes; a part state references but blob lacks is corrupt data. */
export async function fetchPartBytes(
  blob: Blob,
  part: PartRef,
  missing = 'part is referenced by state but missing from blob',
): Promise<Uint8Array> {
  const bytes = await retryExternal(() => blob.get(part.key), `get ${part.key}`);
  if (!bytes) throw new CorruptDataError(part.key, missing);
  return bytes;
}

/** A part's columns, given how to get a blob part's bytes (directly, or from a worker's parent). */
export async function columnsOf(
  part: PartRef,
  bytes: (part: PartRef) => Promise<Uint8Array>,
  into?: DecodeInto,
): Promise<PartColumns> {
  if (part.inline) return columnsFromInline(part.key, part.inline);
  return decodePart(part.key, await bytes(part), into);
}

export function fetchColumns(blob: Blob, part: PartRef, into?: DecodeInto): Promise<PartColumns> {
  return columnsOf(part, (p) => fetchPartBytes(blob, p), into);
}
