// A sink worker's own connection to a SQLite location's blob table, so that the synchronous blob
// writes of its parts happen on the worker thread and not on the calling one.
//
// Why this is safe beside the process's shared connection (engine/location/sqlite-connection.ts):
// the file is in WAL mode (set persistently when the sandbox was created or opened), so one writer
// at a time takes the write lock and the others wait for it (busy_timeout), on their own thread;
// readers are never blocked. The shared connection has already checked the file when the client
// opened it, so this one skips those checks (an integrity check per worker would read the whole
// file). Durability: a part must be durable before the consensus commit that refers to it. Both
// go to the same WAL file, the part first; whatever sync level the shared connection commits with
// syncs the WAL up to its commit, the part's frames included.
import Database from 'better-sqlite3';
import { BLOB_CACHE_KIB } from '../location/sqlite-blob.js';
import { sqliteError } from '../location/sqlite-errors.js';

export interface PartStore {
  set(key: string, bytes: Uint8Array): void;
  close(): void;
}

const BUSY_TIMEOUT_MS = 10_000;

export function openPartStore(path: string): PartStore {
  let db: Database.Database;
  try {
    const nativeBinding = process.env.SHARDSCOPE_SQLITE_NATIVE_BINDING || undefined;
    db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS, nativeBinding });
    db.pragma('synchronous = NORMAL');
    // It only writes parts: their pages need no cache (see SqliteBlob).
    db.pragma(`cache_size = ${BLOB_CACHE_KIB}`);
  } catch (e) {
    throw sqliteError(e, path, 'open the sink worker connection', path, true);
  }
  const ins = db.prepare('INSERT OR REPLACE INTO blob (key, value) VALUES (?, ?)');
  return {
    set(key, bytes) {
      try {
        ins.run(key, bytes);
      } catch (e) {
        throw sqliteError(e, path, 'set blob', key, false);
      }
    },
    close() {
      db.close();
    },
  };
}
