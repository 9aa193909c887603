// Maps node-postgres failures onto LocationError with messages that name the server, never a password.
//
// As Materialize's persist (mz_postgres_client's PostgresError): a failed write is determinate only
// when the failure proves the statement did not take effect. Everything else (a lost connection,
// a timeout on either side, an admin shutdown, an error we do not recognise) may have committed,
// and the engine resolves it by re-reading state.
import { LocationError } from '../errors.js';
import { notRetryable } from './retry.js';

export function pgCode(e: unknown): string {
  return typeof e === 'object' && e !== null ? String((e as { code?: unknown }).code ?? '') : '';
}

/** The server answered with an error (a five-character SQLSTATE). */
export function isServerError(e: unknown): boolean {
  return /^[0-9A-Z]{5}$/.test(pgCode(e));
}

/**
 * SQLSTATEs that prove the statement rolled back: serialization failure and deadlock (the server
 * aborted it), unique violation (the guarded insert found its row taken), data exceptions,
 * syntax and permission errors (the statement never ran). Cancellations (57014, e.g.
 * statement_timeout), shutdowns (57P*), connection exceptions (08*) and internal errors are not
 * here: the commit may have happened just before the error was reported.
 */
export function provesNotApplied(e: unknown): boolean {
  const code = pgCode(e);
  return ['40001', '40P01', '23505', '23503', '23502', '23514', '25006'].includes(code) || /^(22|42|28|3D|3F|0A)/.test(code);
}

/** Failed before anything was done and safe to run again at once. */
export function isRetryableConflict(e: unknown): boolean {
  return ['40001', '40P01'].includes(pgCode(e));
}

/**
 * The server ended a connection that had been established (restart, failover,
 * pg_terminate_backend): a refused or silent endpoint is not this.
 */
export function connectionDropped(e: unknown): boolean {
  if (pgCode(e).startsWith('57P')) return true;
  const msg = e instanceof Error ? e.message : String(e ?? '');
  return /not queryable|Connection terminated unexpectedly/i.test(msg);
}

const NETWORK = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EPIPE|timeout|terminated|Connection/i;

function hintFor(e: unknown, msg: string): string {
  const code = pgCode(e);
  if (code === '28P01') return ' (wrong password for this user)';
  if (code === '28000') return ' (the server refused this user: check pg_hba.conf and the user name)';
  if (code === '3D000') return ' (the database does not exist: create it or fix the database name in the URI)';
  if (code === '42501') return ' (the user lacks a privilege: it needs CREATE on the schema, and SELECT/INSERT/UPDATE/DELETE on its tables)';
  if (code === '53300') return ' (the server has too many connections: lower poolSize or raise max_connections)';
  if (/password must be a string|SASL.*password/i.test(msg)) return ' (the server asks for a password and the URI gives none)';
  if (!isServerError(e) && NETWORK.test(`${code} ${msg}`)) return ' (is the server running and reachable?)';
  return '';
}

/**
 * `sent`: the statement may have reached the server. Reads are always determinate (a read that
 * failed changed nothing); a write is determinate if it never left or the server proved it
 * rolled back.
 */
export function pgError(e: unknown, where: string, what: string, mutating: boolean, sent: boolean): LocationError {
  const code = pgCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  const determinate = !mutating || !sent || provesNotApplied(e);
  const out = new LocationError(`PostgreSQL ${what} at ${where} failed: ${msg || code}${code ? ` [${code}]` : ''}${hintFor(e, msg)}`, determinate, {
    cause: e,
  });
  // Wrong password, unknown user or database, missing privilege: waiting will not fix them.
  const permanent = /^(28|3D|42501)/.test(code) || /password must be a string/i.test(msg);
  return permanent ? notRetryable(out) : out;
}
