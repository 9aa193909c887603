// One better-sqlite3 connection per database file per process, shared by every consensus and
// blob over that file, so clients in one process serialize on it and hear each other's commits.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, realpathSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { sqliteOpenError } from './sqlite-errors.js';
import { Checkpointer } from './sqlite-checkpointer.js';
import { callSoon, Watchers } from './watchers.js';

/** Options of a file's shared connection: the first opener's apply to every later handle in the process. */
export interface SqliteOptions {
  /** PRAGMA synchronous. NORMAL (default) survives process crashes; FULL also power loss. */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /** How long a write waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** How often to look for other processes' commits while something is watched. */
  pollIntervalMs?: number;
  /** Also wake on inotify events of the -wal file; polling stays as the backstop. */
  fsWatch?: boolean;
}

const DEFAULTS: Required<SqliteOptions> = { synchronous: 'NORMAL', busyTimeoutMs: 10_000, pollIntervalMs: 5, fsWatch: true };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS consensus (
  key TEXT NOT NULL, seqno INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, seqno)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blob (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
`;

const open = new Map<string, SharedSqlite>();

export class SharedSqlite {
  private refs = 0;
  private readonly statements = new Map<string, Database.Statement>();
  /** Consensus watchers and the head seqno each watched key had when last looked at. */
  readonly watchers = new Watchers();
  private readonly lastHeads = new Map<string, number | null>();
  private dataVersion = 0;
  private poller: NodeJS.Timeout | null = null;
  private walWatcher: FSWatcher | null = null;

  private readonly checkpointer: Checkpointer;

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
    private readonly opts: Required<SqliteOptions>,
  ) {
    this.checkpointer = new Checkpointer(path, db.pragma('page_size', { simple: true }) as number, opts.busyTimeoutMs);
  }

  /** A write of about `bytes` committed on this connection (see Checkpointer). */
  wrote(bytes: number): void {
    this.checkpointer.wrote(bytes);
  }

  /** Opens (creating file and parent directory) or joins the process's connection to `path`. */
  static acquire(path: string, options: SqliteOptions = {}): SharedSqlite {
    const sync = options.synchronous ?? DEFAULTS.synchronous;
    if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(sync)) {
      throw new InvalidUsageError('InvalidLocation', `SQLite synchronous must be OFF, NORMAL, FULL or EXTRA, got ${sync}`);
    }
    const { real, existed } = resolveReal(path);
    let shared = open.get(real);
    if (!shared) {
      shared = new SharedSqlite(real, connect(real, { ...DEFAULTS, ...options }, existed), { ...DEFAULTS, ...options });
      open.set(real, shared);
    }
    shared.refs++;
    return shared;
  }

  release(): void {
    if (--this.refs > 0) return;
    this.stopWatching();
    this.checkpointer.close();
    open.delete(this.path);
    this.statements.clear();
    this.db.close();
  }

  stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  private headSeqno(key: string): number | null {
    const row = this.stmt('SELECT MAX(seqno) AS s FROM consensus WHERE key = ?').get(key) as { s: number | null };
    return row.s;
  }

  /** `seen`: the newest head the caller has read; if the key is already past it, onChange runs at once. */
  watch(key: string, onChange: (seqno?: number) => void, seen: number | undefined): () => void {
    if (!this.watchers.has(key)) {
      let head: number | null = null;
      try {
        head = this.headSeqno(key);
      } catch {
        // Unreadable now: the poller compares against null and reports the key once it reads.
      }
      this.lastHeads.set(key, head);
    }
    const off = this.watchers.add(key, onChange);
    const head = this.lastHeads.get(key);
    if (seen !== undefined && head !== null && head !== undefined && head > seen) callSoon(key, onChange);
    this.startWatching();
    return () => {
      off();
      if (!this.watchers.has(key)) this.lastHeads.delete(key);
      if (this.watchers.size === 0) this.stopWatching();
    };
  }

  /** Our own commit: every handle on this connection hears of it without polling. */
  committed(key: string, seqno: number): void {
    if (!this.watchers.has(key)) return;
    this.lastHeads.set(key, seqno);
    this.watchers.notify(key, seqno);
  }

  /**
   * data_version changes only when another connection (another process, or a worker thread)
   * committed; then the heads of watched keys tell which of them actually moved.
   */
  private checkForeignCommits(): void {
    if (this.watchers.size === 0) return;
    // Runs on a timer: a throw here would be an uncaught exception, so a failed look is simply
    // repeated on the next tick (and real damage surfaces on the next read of the key).
    try {
      const version = this.stmt('PRAGMA data_version').pluck().get() as number;
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      for (const key of this.watchers.keys()) {
        const head = this.headSeqno(key);
        if (head !== this.lastHeads.get(key)) {
          this.lastHeads.set(key, head);
          this.watchers.notify(key, head ?? undefined);
        }
      }
    } catch {
      this.dataVersion = -1;
    }
  }

  private startWatching(): void {
    if (this.poller) return;
    try {
      this.dataVersion = this.stmt('PRAGMA data_version').pluck().get() as number;
    } catch {
      this.dataVersion = -1;
    }
    this.poller = setInterval(() => this.checkForeignCommits(), this.opts.pollIntervalMs);
    this.poller.unref();
    const wal = `${this.path}-wal`;
    if (this.opts.fsWatch && existsSync(wal)) {
      try {
        this.walWatcher = watch(wal, { persistent: false }, () => this.checkForeignCommits());
        this.walWatcher.on('error', () => this.closeWalWatcher());
      } catch {
        this.walWatcher = null; // Polling alone still sees every commit.
      }
    }
  }

  private closeWalWatcher(): void {
    this.walWatcher?.close();
    this.walWatcher = null;
  }

  private stopWatching(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.closeWalWatcher();
  }
}

function resolveReal(path: string): { real: string; existed: boolean } {
  try {
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) {
        throw new InvalidUsageError('InvalidLocation', `cannot open SQLite location ${path}: it is a directory, not a file`);
      }
      return { real: realpathSync(path), existed: true };
    }
    mkdirSync(dirname(path), { recursive: true });
    return { real: join(realpathSync(dirname(path)), basename(path)), existed: false };
  } catch (e) {
    if (e instanceof InvalidUsageError) throw e;
    throw sqliteOpenError(e, path);
  }
}

/**
 * The WAL size at which a commit checkpoints it into the database. SQLite's default, 1000 pages
 * (4 MiB at 4 KiB pages), is less than one part, so every part written paid a checkpoint, and a
 * checkpoint costs two fsyncs (the WAL, then the database file) besides copying the pages. Fewer,
 * larger checkpoints copy the same bytes with fewer fsyncs. Durability is unchanged (a commit is
 * durable once in the WAL, as before); the cost is a WAL file of about this size on disk, and
 * readers look pages up in a longer WAL index.
 */
const WAL_CHECKPOINT_BYTES = 32 * 1024 * 1024;

/** Files up to this size get SQLite's full integrity_check on open (it reads every page). */
const FULL_CHECK_MAX_BYTES = 256 * 1024 * 1024;

const notSandbox = (path: string, why: string) =>
  new InvalidUsageError('InvalidLocation', `cannot open SQLite location ${path}: ${why}; the file is left as it is`);

/**
 * A file this process did not create is checked before anything writes to it, so a damaged or
 * foreign file is reported (naming what is wrong) and never re-initialised: that would destroy
 * the evidence. An empty SQLite database (no tables at all) holds nothing and may be set up.
 */
function checkExisting(path: string, db: Database.Database): void {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]));
  if (tables.size > 0 && !(tables.has('consensus') && tables.has('blob'))) {
    const missing = ['consensus', 'blob'].filter((t) => !tables.has(t));
    throw notSandbox(path, `it is a SQLite database but not a sandbox (no ${missing.join(' and no ')} table)`);
  }
  // integrity_check also sees rows out of primary-key order (a flipped key byte): quick_check
  // passes those, and lookups then miss versions, so the shard would read as an older state.
  // It reads every page; past FULL_CHECK_MAX_BYTES opening would take too long, so quick_check.
  const check = statSync(path).size <= FULL_CHECK_MAX_BYTES ? 'integrity_check' : 'quick_check';
  const problems = db.prepare(`PRAGMA ${check}(5)`).pluck().all() as string[];
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new CorruptDataError(path, `SQLite file ${path} is damaged (${check}: ${problems.join('; ').slice(0, 500)})`);
  }
}

/**
 * Makes a new sandbox file appear whole: built under a temporary name beside it and linked into
 * place, so another process opening the path at the same moment never sees an empty file (which it
 * must refuse as damaged). Returns false when another process created the file first.
 */
function createWhole(path: string, opts: Required<SqliteOptions>): boolean {
  const tmp = `${path}.${process.pid}-${randomUUID()}.creating`;
  try {
    const nativeBinding = process.env.SHARDSCOPE_SQLITE_NATIVE_BINDING || undefined;
    const db = new Database(tmp, { timeout: opts.busyTimeoutMs, nativeBinding });
    try {
      db.pragma('journal_mode = WAL');
      db.exec(SCHEMA);
    } finally {
      db.close();
    }
    try {
      linkSync(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } catch (e) {
    throw sqliteOpenError(e, path);
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

function connect(path: string, opts: Required<SqliteOptions>, existedArg: boolean): Database.Database {
  let db: Database.Database | null = null;
  // A file created here needs none of the checks of a file found on disk.
  const existed = existedArg || !createWhole(path, opts);
  if (existed) {
    const size = statSync(path).size;
    // SQLite would treat a 0-byte file as a new database; its 100-byte header is the least a sandbox has.
    if (size < 100) throw notSandbox(path, `the file has ${size} byte${size === 1 ? '' : 's'}, too few for a SQLite database`);
  }
  try {
    // Electron needs better-sqlite3 built for its own ABI: the app points at that build here,
    // while tests and the CLI keep Node's build in node_modules.
    const nativeBinding = process.env.SHARDSCOPE_SQLITE_NATIVE_BINDING || undefined;
    db = new Database(path, { timeout: opts.busyTimeoutMs, nativeBinding });
    if (existed) checkExisting(path, db);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous}`);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.max(1000, Math.round(WAL_CHECKPOINT_BYTES / pageSize))}`);
    db.exec(SCHEMA);
    return db;
  } catch (e) {
    db?.close();
    throw sqliteOpenError(e, path);
  }
}
