// Maps node-postgres failures onto LocationError with messages that name the server, never a password.
import { LocationError } from '../errors.js';

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  return String(uri).replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
}

export function pgCode(e: unknown): string {
  return typeof e === 'object' && e !== null ? String((e as { code?: unknown }).code ?? '') : '';
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
  const serverSaid = /^[0-9A-Z]{5}$/.test(code);
  const msg = e instanceof Error ? e.message : String(e);
  const hint = !serverSaid && !sent ? ' (is the server running and reachable?)' : '';
  const determinate = !mutating || !sent || serverSaid;
  return new LocationError(`PostgreSQL ${what} at ${where} failed: ${msg || code}${code ? ` [${code}]` : ''}${hint}`, determinate, {
    cause: e,
  });
}
