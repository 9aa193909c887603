// Tests of faulty storage retry in milliseconds, not the production bound of seconds: a file's
// whole run must not be spent asleep. Restored after the file, so other files see the defaults.
import { afterAll, beforeAll } from 'vitest';
import { configureRetry, type RetryOptions } from '../location/retry.js';

export function useQuickRetries(opts: Partial<RetryOptions>): void {
  let previous: RetryOptions;
  beforeAll(() => {
    previous = configureRetry(opts);
  });
  afterAll(() => {
    configureRetry(previous);
  });
}
