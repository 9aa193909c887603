// Writing parts: the one place a part becomes a PartRef, inline in state when it is small enough
// and the caller allows it, else encoded (bound to its key) and stored in blob. Used by the batch
// builder, the compactor and the compaction worker's parent.
import type { Blob } from '../location/types.js';
import { retryExternal } from '../location/retry.js';
import type { PartRef } from '../state/types.js';
import { encodePart } from './encode.js';
import { inlineFromColumns, inlineKey, inlineSize, inlineSizeOf } from './inline.js';
import type { PartColumns } from './types.js';

export interface PartWriterDeps {
  readonly blob: Blob;
  /** a fresh blob key for a part (see paths.partKey) */
  mintKey(): string;
}

/** Stores bytes already encoded for key (parts are bound to their keys). */
export async function putEncodedPart(blob: Blob, key: string, bytes: Uint8Array, len: number): Promise<PartRef> {
  await retryExternal(() => blob.set(key, bytes), `write part ${key}`);
  return { key, encodedSizeBytes: bytes.length, len };
}

/**
 * Writes cols as one part: inline when inlineMaxBytes is given and the inline form fits it (no blob
 * to write or delete later), else to blob under a freshly minted key.
 */
export async function writePart(deps: PartWriterDeps, cols: PartColumns, inlineMaxBytes?: number): Promise<PartRef> {
  if (inlineMaxBytes !== undefined && inlineSizeOf(cols) <= inlineMaxBytes) {
    const inline = inlineFromColumns(cols);
    return { key: inlineKey(cols.len), encodedSizeBytes: inlineSize(inline), len: cols.len, inline };
  }
  const key = deps.mintKey();
  return putEncodedPart(deps.blob, key, encodePart(cols, key), cols.len);
}
