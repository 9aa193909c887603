// The contract's error types. Every error the engine hands to a caller is one of these.
import type { Antichain } from './antichain.js';

export type InvalidUsageKind =
  | 'InvalidTimestamp'
  | 'InvalidDiff'
  | 'InvalidBounds'
  | 'UpdateNotBeyondLower'
  | 'UpdateBeyondUpper'
  | 'BatchNotFromThisShard'
  | 'InvalidBatchBounds'
  | 'CodecMismatch'
  | 'InvalidShardId'
  | 'InvalidReaderId'
  | 'InvalidWriterId'
  | 'InvalidFrontier'
  | 'InvalidArgument'
  | 'InvalidLocation'
  | 'InvalidSeal'
  | 'InvalidSince'
  | 'UnknownShard'
  | 'UnknownReader'
  | 'UnknownWriter'
  | 'SeqnoTruncated'
  | 'ShardNotFinalizable'
  | 'ShardFinalized';

export class InvalidUsageError extends Error {
  override readonly name = 'InvalidUsageError';
  constructor(
    readonly kind: InvalidUsageKind,
    message: string,
  ) {
    super(message);
  }
}

export class SinceError extends Error {
  override readonly name = 'SinceError';
  constructor(
    readonly since: Antichain,
    message?: string,
  ) {
    super(message ?? `read at a time before the shard's since ${JSON.stringify(since)}`);
  }
}

export class LeaseExpiredError extends Error {
  override readonly name = 'LeaseExpiredError';
}

export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  constructor(message = 'the PersistClient is closed') {
    super(message);
  }
}

export class RuntimeShutdownError extends Error {
  override readonly name = 'RuntimeShutdownError';
  constructor(message = 'the runtime has been stopped') {
    super(message);
  }
}

/** A blob or state that fails its checksum or decoding. Names the key; never returns wrong data. */
export class CorruptDataError extends Error {
  override readonly name = 'CorruptDataError';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`corrupt data at ${key}: ${detail}`);
  }
}

/**
 * A failure of blob or consensus storage. `determinate` means the operation certainly did not
 * happen; indeterminate failures (timeouts) may or may not have happened. Both are retried with
 * backoff inside the engine; only after retries are exhausted do they reach the caller.
 */
export class LocationError extends Error {
  override readonly name = 'LocationError';
  constructor(
    message: string,
    readonly determinate: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
