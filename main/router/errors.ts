// Every failure crosses the boundary as a plain { code, message } that says what to do.
import { z } from 'zod';
import {
  ClientClosedError,
  CorruptDataError,
  InvalidUsageError,
  LeaseExpiredError,
  LocationError,
  redactSecrets,
  SinceError,
} from '../../engine/index.js';
import type { ContractError, ErrorCode } from '../../preload/contract.js';

/** An error the app raises itself, with its contract code. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function zodMessage(e: z.ZodError): string {
  const parts = e.issues.slice(0, 5).map((i) => {
    const where = i.path.length ? i.path.join('.') : 'request';
    return `${where}: ${i.message}`;
  });
  return `invalid request — ${parts.join('; ')}`;
}

/** Every error crosses the boundary with its credentials masked (URIs echo into engine messages). */
export function toContractError(e: unknown): ContractError {
  const { code, message } = classify(e);
  return { code, message: redactSecrets(message) };
}

function classify(e: unknown): ContractError {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  if (e instanceof z.ZodError) return { code: 'BadRequest', message: zodMessage(e) };
  if (e instanceof InvalidUsageError) {
    if (e.kind === 'UnknownShard' || e.kind === 'UnknownReader' || e.kind === 'UnknownWriter') {
      return { code: 'NotFound', message: e.message };
    }
    if (e.kind === 'SeqnoTruncated') {
      return { code: 'NotFound', message: `${e.message}: garbage collection removed it; pick a newer version` };
    }
    return { code: 'InvalidUsage', message: e.message };
  }
  if (e instanceof SinceError) {
    return { code: 'Since', message: `${e.message}; choose an as_of at or after the since` };
  }
  if (e instanceof LeaseExpiredError) {
    return { code: 'LeaseExpired', message: `${e.message || 'the lease expired'}; open a new reader or writer` };
  }
  if (e instanceof ClientClosedError) return { code: 'Closed', message: 'this location is closed; open it again' };
  if (e instanceof CorruptDataError) return { code: 'CorruptData', message: e.message };
  if (e instanceof LocationError) return { code: 'Location', message: `${e.message}; check that the location is reachable` };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: 'Internal', message: `internal error: ${msg}` };
}
