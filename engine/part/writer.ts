// Writing parts: the one place a part becomes a PartRef, inline in state when it is small enough
// and the caller allows it, else encoded (bound to its key) and stored in blob. Used by the batch
// builder, the compactor and the compaction worker's parent.
import type { Blob } from '../location/types.js';
import { retryExternal } from '../location/retry.js';
import type { PartRef } from '../state/types.js';
import { encodePart, type EncodeScratch } from './encode.js';
import { inlineFromColumns, inlineKey, inlineSize, inlineSizeOf } from './inline.js';
import type { PartColumns } from './types.js';

export interface PartWriterDeps {
  readonly blob: Blob;
  /** a fresh blob key for a part (see paths.partKey) */
  mintKey(): string;
  /**
   * A buffer to encode into, for a caller that writes its parts one at a time: each write must
   * finish before the next starts. A blob is done with a value once set resolves; after a failed
   * set it may not be (an abandoned upload), so the buffer is then given up.
   */
  readonly scratch?: EncodeScratch;
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
  const { scratch } = deps;
  if (!scratch) return putEncodedPart(deps.blob, key, encodePart(cols, key), cols.len);
  const bytes = encodePart(cols, key, scratch);
  try {
    return await putEncodedPart(deps.blob, key, bytes, cols.len);
  } catch (e) {
    if (scratch.buf && scratch.buf.buffer === bytes.buffer) scratch.buf = null;
    throw e;
  }
}
