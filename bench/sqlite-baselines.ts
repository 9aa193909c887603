// Raw better-sqlite3 baselines: what the same work costs on the storage the sandbox is built on.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { randomHexStrings, rng } from './harness.js';

export type Synchronous = 'OFF' | 'NORMAL' | 'FULL';

/**
 * The pragmas the engine's sandbox uses (engine/location: WAL, synchronous NORMAL), so that
 * baselines pay the same durability cost.
 */
export const SANDBOX_SYNCHRONOUS: Synchronous = 'NORMAL';

export function openDb(path: string, synchronous: Synchronous = SANDBOX_SYNCHRONOUS): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  return db;
}

export type Row = readonly [key: string, val: string, time: number, diff: number];

/** A fresh file with an `updates(key, val, time, diff)` table. */
export function updatesDb(dir: string, name: string): Database.Database {
  const db = openDb(join(dir, `${name}.sqlite`));
  db.exec('CREATE TABLE updates (key TEXT NOT NULL, val TEXT NOT NULL, time INTEGER NOT NULL, diff INTEGER NOT NULL)');
  return db;
}

/** Bulk INSERT of every row in one transaction. */
export function bulkInsert(db: Database.Database, keys: readonly string[], vals: readonly string[], time: number): void {
  const ins = db.prepare('INSERT INTO updates (key, val, time, diff) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < keys.length; i++) ins.run(keys[i], vals[i], time, 1);
  })();
}

export function insertRows(db: Database.Database, rows: readonly Row[]): void {
  const ins = db.prepare('INSERT INTO updates (key, val, time, diff) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) ins.run(r[0], r[1], r[2], r[3]);
  })();
}

/** SELECT key, val, sum(diff) GROUP BY key, val (zero sums dropped), materialized as JS arrays. */
export function groupBy(db: Database.Database): unknown[][] {
  return db
    .prepare('SELECT key, val, sum(diff) AS d FROM updates GROUP BY key, val HAVING d != 0')
    .raw()
    .all() as unknown[][];
}

/**
 * Raw compare-and-set: what one consensus write costs. Each op is one transaction
 * BEGIN IMMEDIATE; SELECT max(seqno); INSERT (key, seqno+1, ~1 KiB blob); COMMIT.
 * Returns per-op latencies (ms).
 */
export class RawCas {
  private readonly db: Database.Database;
  private readonly cas: (data: Buffer) => void;

  constructor(dir: string, synchronous: Synchronous = SANDBOX_SYNCHRONOUS) {
    this.db = openDb(join(dir, `cas-${Date.now()}-${Math.random().toString(36).slice(2)}.sqlite`), synchronous);
    this.db.exec('CREATE TABLE consensus (key TEXT NOT NULL, seqno INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, seqno)) WITHOUT ROWID');
    const head = this.db.prepare('SELECT max(seqno) AS s FROM consensus WHERE key = ?').pluck();
    const ins = this.db.prepare('INSERT INTO consensus (key, seqno, data) VALUES (?, ?, ?)');
    this.cas = this.db.transaction((data: Buffer) => {
      const s = (head.get('shard') as number | null) ?? 0;
      ins.run('shard', s + 1, data);
    }).immediate;
  }

  run(count: number): number[] {
    const blob = Buffer.alloc(1024, 0x61);
    const lat: number[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      this.cas(blob);
      lat[i] = performance.now() - t0;
    }
    return lat;
  }

  close(): void {
    this.db.close();
  }
}

const VALS = ['a', 'bb', 'ccc', 'dddd'];

/**
 * Rows for the consolidation benchmarks (P4, P5): `batches` batches at times 0.., keys random
 * among `distinct` 16-char hex strings, four small values, diffs +-1; deterministic per seed.
 */
export function consolidationBatches(batches: number, perBatch: number, distinct: number, seed: number): Row[][] {
  const pool = randomHexStrings(distinct, 16, seed);
  const next = rng(seed + 1);
  const rows: Row[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: Row[] = new Array(perBatch);
    for (let i = 0; i < perBatch; i++) {
      const x = next();
      batch[i] = [pool[x % distinct], VALS[(x >>> 24) & 3], b, x & 0x100000 ? 1 : -1];
    }
    rows.push(batch);
  }
  return rows;
}
