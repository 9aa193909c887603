// Blob values as rows of a SQLite table; a single-row write is atomic by nature.
import type { Blob, BlobMeta } from './types.js';
import type { SharedSqlite } from './sqlite-connection.js';
import { sqliteError } from './sqlite-errors.js';
import { checkKey, plainBytes } from './validate.js';

/** PRAGMA cache_size of connections that hold parts (negative: KiB). */
export const BLOB_CACHE_KIB = -2000;

export class SqliteBlob implements Blob {
  private closed = false;

  constructor(private readonly conn: SharedSqlite) {
    // SQLite's own default page cache (2 MB), not better-sqlite3's 16 MB: blob values are parts
    // of megabytes, written once and read whole, so caching their overflow pages only holds
    // memory (a builder writing part after part kept the whole 16 MB resident). The connection's
    // consensus rows are few and hot and fit either way.
    conn.db.pragma(`cache_size = ${BLOB_CACHE_KIB}`);
  }

  /** The database file (the persist sink's worker threads open their own connections to it). */
  get path(): string {
    return this.conn.path;
  }

  private run<T>(what: string, key: string, write: boolean, fn: () => T): T {
    if (this.closed) throw new Error(`SQLite blob ${this.conn.path} is closed`);
    try {
      return fn();
    } catch (e) {
      // An autocommit statement that failed did not commit, except maybe for an I/O error at its end.
      throw sqliteError(e, this.conn.path, what, key, !write);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    checkKey(key);
    return this.run('get blob', key, false, () => {
      const v = this.conn.stmt('SELECT value FROM blob WHERE key = ?').pluck().get(key) as Uint8Array | undefined;
      return v === undefined ? null : plainBytes(v);
    });
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkKey(key);
    this.run('set blob', key, true, () => {
      this.conn.stmt('INSERT OR REPLACE INTO blob (key, value) VALUES (?, ?)').run(key, value);
    });
    this.conn.wrote(value.length);
  }

  async delete(key: string): Promise<number | null> {
    checkKey(key);
    if (this.closed) throw new Error(`SQLite blob ${this.conn.path} is closed`);
    // The size is read by a SELECT, which takes length() from the record header, inside the
    // delete's transaction: DELETE ... RETURNING length(value) loads the whole value (megabytes
    // for a part) into memory just to measure it.
    const { db } = this.conn;
    // Inside a transaction of the connection's (none spans an await today), it is that one's.
    const own = !db.inTransaction;
    let committing = false;
    try {
      if (own) this.conn.stmt('BEGIN IMMEDIATE').run();
      const size = this.conn.stmt('SELECT length(value) FROM blob WHERE key = ?').pluck().get(key) as number | undefined;
      if (size !== undefined) this.conn.stmt('DELETE FROM blob WHERE key = ?').run(key);
      committing = true;
      if (own) this.conn.stmt('COMMIT').run();
      return size === undefined ? null : size;
    } catch (e) {
      if (own && db.inTransaction) {
        try {
          this.conn.stmt('ROLLBACK').run();
        } catch {
          // SQLite already rolled back on its own.
        }
      }
      throw sqliteError(e, this.conn.path, 'delete blob', key, !committing);
    }
  }

  async list(prefix: string): Promise<BlobMeta[]> {
    return this.run('list blobs', prefix, false, () => {
      // Keys sharing a prefix are one contiguous run in key order, so a range scan from the
      // prefix stops at the first key without it.
      const out: BlobMeta[] = [];
      const rows = this.conn.stmt('SELECT key, length(value) AS size FROM blob WHERE key >= ? ORDER BY key').iterate(prefix);
      for (const row of rows as Iterable<{ key: string; size: number }>) {
        if (!row.key.startsWith(prefix)) break;
        out.push({ key: row.key, sizeBytes: row.size });
      }
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.release();
  }
}
