// Argument checks every Consensus implementation applies identically.
import { InvalidUsageError } from '../errors.js';
import type { VersionedData } from './types.js';

function checkSeqno(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidUsageError('InvalidArgument', `${what} must be a non-negative safe integer, got ${n}`);
  }
}

export function checkCas(key: string, expected: number | null, data: VersionedData): void {
  checkKey(key);
  checkSeqno(data.seqno, 'seqno');
  if (expected !== null) {
    checkSeqno(expected, 'expected seqno');
    if (data.seqno <= expected) {
      throw new InvalidUsageError(
        'InvalidArgument',
        `compare-and-set of ${key}: new seqno ${data.seqno} must be greater than expected ${expected}`,
      );
    }
  }
  if (!(data.data instanceof Uint8Array)) throw new InvalidUsageError('InvalidArgument', 'data must be a Uint8Array');
}

export function checkScan(key: string, fromSeqno: number, limit: number): void {
  checkKey(key);
  checkSeqno(fromSeqno, 'fromSeqno');
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidUsageError('InvalidArgument', `scan limit must be a non-negative integer, got ${limit}`);
  }
}

export function checkTruncate(key: string, belowSeqno: number): void {
  checkKey(key);
  checkSeqno(belowSeqno, 'belowSeqno');
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidUsageError('InvalidArgument', `a storage key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
}

/** A Uint8Array over the same memory, so callers never see a Buffer (whose equality and slicing differ). */
export function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
