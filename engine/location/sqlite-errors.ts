// Maps better-sqlite3 failures onto the contract's error types.
import { CorruptDataError, InvalidUsageError, LocationError } from '../errors.js';

function code(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : '';
}

/**
 * `determinate` says whether the failed operation certainly had no effect; the caller knows
 * that (a failure before COMMIT rolled back), the SQLite error code alone does not.
 */
export function sqliteError(e: unknown, path: string, what: string, key: string, determinate: boolean): Error {
  if (e instanceof LocationError || e instanceof InvalidUsageError || e instanceof CorruptDataError) return e;
  const c = code(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (c.startsWith('SQLITE_CORRUPT') || c === 'SQLITE_NOTADB') {
    return new CorruptDataError(key, `SQLite file ${path} is damaged (${c}: ${msg})`);
  }
  if (c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_LOCKED')) {
    // The busy timeout ran out: another process held the write lock the whole time.
    return new LocationError(`${what} on ${path}: database stayed locked (${c})`, true, { cause: e });
  }
  if (c.startsWith('SQLITE_')) return new LocationError(`${what} on ${path} failed: ${c}: ${msg}`, determinate, { cause: e });
  return e instanceof Error ? e : new Error(msg);
}

/** Failure to open: a wrong path is the caller's to fix, anything else may pass. */
export function sqliteOpenError(e: unknown, path: string): Error {
  if (e instanceof InvalidUsageError || e instanceof CorruptDataError) return e;
  const c = code(e);
  const msg = e instanceof Error ? e.message : String(e);
  const permanent = ['SQLITE_NOTADB', 'SQLITE_CANTOPEN', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'EROFS', 'ENAMETOOLONG'];
  if (permanent.includes(c) || c.startsWith('SQLITE_CORRUPT')) {
    const why = c === 'SQLITE_NOTADB' ? 'the file exists but is not a SQLite database' : msg;
    return new InvalidUsageError('InvalidLocation', `cannot open SQLite location ${path}: ${why} (${c})`);
  }
  return new LocationError(`cannot open SQLite location ${path}: ${msg}${c ? ` (${c})` : ''}`, true, { cause: e });
}
