// Maps node-postgres failures onto LocationError with messages that name the server, never a password.
import { LocationError } from '../errors.js';

export function pgCode(e: unknown): string {
  return typeof e === 'object' && e !== null ? String((e as { code?: unknown }).code ?? '') : '';
}

/** The server answered with an error (a five-character SQLSTATE): the statement was rolled back, the connection is fine. */
export function isServerError(e: unknown): boolean {
  return /^[0-9A-Z]{5}$/.test(pgCode(e));
}

/** SQLSTATEs meaning "did not happen, run it again": serialization failure, deadlock, unique race. */
export function isRetryableConflict(e: unknown): boolean {
  return ['40001', '40P01', '23505'].includes(pgCode(e));
}

/**
 * A server-reported error (five-character SQLSTATE) rolled the statement back; a lost connection
 * mid-statement leaves a write's outcome unknown.
 */
export function pgError(e: unknown, where: string, what: string, mutating: boolean, sent: boolean): LocationError {
  const code = pgCode(e);
  const serverSaid = isServerError(e);
  const msg = e instanceof Error ? e.message : String(e);
  const hint = !serverSaid && !sent ? ' (is the server running and reachable?)' : '';
  const determinate = !mutating || !sent || serverSaid;
  return new LocationError(`PostgreSQL ${what} at ${where} failed: ${msg || code}${code ? ` [${code}]` : ''}${hint}`, determinate, {
    cause: e,
  });
}
