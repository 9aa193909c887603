// The contract's error types. Every error the engine hands to a caller is one of these.

/** A frontier, as antichain.ts's Antichain (spelled out: antichain.ts throws these errors, so this file imports nothing). */
type Antichain = readonly [] | readonly [number];

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

/** An engine error as plain data, to cross a worker thread or process boundary with its type. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly key?: string;
  readonly kind?: InvalidUsageKind;
  readonly since?: Antichain;
  readonly determinate?: boolean;
}

export function errorToWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const w: { -readonly [K in keyof WireError]: WireError[K] } = { name: e.name, message: e.message };
  if (e instanceof CorruptDataError) w.key = e.key;
  if (e instanceof InvalidUsageError) w.kind = e.kind;
  if (e instanceof SinceError) w.since = e.since;
  if (e instanceof LocationError) w.determinate = e.determinate;
  return w;
}

/** The error errorToWire described, as its own type again (an unknown type becomes a plain Error). */
export function errorFromWire(w: WireError): Error {
  let e: Error;
  switch (w.name) {
    case 'CorruptDataError':
      e = new CorruptDataError(String(w.key), '');
      break;
    case 'InvalidUsageError':
      e = new InvalidUsageError(w.kind ?? 'InvalidArgument', w.message);
      break;
    case 'SinceError':
      e = new SinceError(w.since ?? [], w.message);
      break;
    case 'LeaseExpiredError':
      e = new LeaseExpiredError(w.message);
      break;
    case 'ClientClosedError':
      e = new ClientClosedError(w.message);
      break;
    case 'RuntimeShutdownError':
      e = new RuntimeShutdownError(w.message);
      break;
    case 'LocationError':
      e = new LocationError(w.message, w.determinate === true);
      break;
    default:
      e = new Error(w.message);
      if (w.name && w.name !== 'Error') Object.defineProperty(e, 'name', { value: w.name, configurable: true });
  }
  e.message = w.message;
  return e;
}
