// Retrying storage calls that failed with a LocationError; everything else passes straight through.
import { LocationError } from '../errors.js';

export interface RetryOptions {
  /** First backoff; doubles per attempt up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed since the first attempt. */
  totalMs: number;
  /** Stops waiting early; the last error is rethrown. */
  signal?: AbortSignal;
  onRetry?: (error: LocationError, attempt: number, delayMs: number) => void;
}

let defaults: RetryOptions = { initialDelayMs: 5, maxDelayMs: 1000, totalMs: 30_000 };

/** Changes the process-wide defaults (tests shorten totalMs; an app may lengthen it). Returns the previous ones. */
export function configureRetry(options: Partial<RetryOptions>): RetryOptions {
  const previous = defaults;
  defaults = { ...defaults, ...options };
  return previous;
}

const PERMANENT = Symbol('shardscope.notRetryable');

/**
 * Marks a failure that retrying cannot fix (refused credentials, a missing bucket or database):
 * retryExternal rethrows it at once instead of spending its whole time bound on it.
 */
export function notRetryable<E extends LocationError>(e: E): E {
  (e as unknown as Record<symbol, boolean>)[PERMANENT] = true;
  return e;
}

export function isRetryable(e: LocationError): boolean {
  return !(e as unknown as Record<symbol, boolean>)[PERMANENT];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs op until it succeeds, fails with something other than a LocationError, or the time bound
 * passes. The error then thrown says what was attempted and for how long; it is determinate only
 * if every attempt was (one indeterminate attempt may have taken effect).
 */
export async function retryExternal<T>(op: () => Promise<T>, what: string, options?: Partial<RetryOptions>): Promise<T> {
  const o = options ? { ...defaults, ...options } : defaults;
  const start = Date.now();
  let delay = o.initialDelayMs;
  let allDeterminate = true;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof LocationError)) throw e;
      allDeterminate &&= e.determinate;
      // Determinate so far and permanent now: nothing took effect, and nothing will by waiting.
      if (!isRetryable(e) && allDeterminate) throw e;
      const elapsed = Date.now() - start;
      if (elapsed >= o.totalMs || o.signal?.aborted || !isRetryable(e)) {
        throw new LocationError(
          `${what}: ${e.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${elapsed} ms)`,
          allDeterminate,
          { cause: e },
        );
      }
      // Equal jitter: never retry in lockstep with another process that failed at the same moment.
      const wait = Math.min(delay / 2 + (Math.random() * delay) / 2, o.totalMs - elapsed);
      o.onRetry?.(e, attempt, wait);
      await sleep(wait, o.signal);
      delay = Math.min(delay * 2, o.maxDelayMs);
    }
  }
}
