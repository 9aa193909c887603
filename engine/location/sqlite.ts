// SQLite locations: consensus, blob, or both over one shared connection per file.
import { SharedSqlite, type SqliteOptions } from './sqlite-connection.js';
import { SqliteBlob } from './sqlite-blob.js';
import { SqliteConsensus } from './sqlite-consensus.js';

export type { SqliteOptions } from './sqlite-connection.js';
export { SqliteBlob } from './sqlite-blob.js';
export { SqliteConsensus } from './sqlite-consensus.js';

/** Creates the file (and its directory) on first use. Each handle holds a reference; the last close closes the file. */
export function openSqliteConsensus(path: string, options?: SqliteOptions): SqliteConsensus {
  return new SqliteConsensus(SharedSqlite.acquire(path, options));
}

export function openSqliteBlob(path: string, options?: SqliteOptions): SqliteBlob {
  return new SqliteBlob(SharedSqlite.acquire(path, options));
}

/** Consensus and blob in one file: the embedded sandbox. Close both to close the file. */
export function openSqlite(path: string, options?: SqliteOptions): { consensus: SqliteConsensus; blob: SqliteBlob } {
  const consensus = openSqliteConsensus(path, options);
  return { consensus, blob: openSqliteBlob(path, options) };
}
