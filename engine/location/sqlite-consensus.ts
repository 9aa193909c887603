// Consensus in a SQLite table; the write lock of BEGIN IMMEDIATE makes compare-and-set atomic
// across every process on the file, and PRIMARY KEY (key, seqno) backs that up.
import type { CasResult, Consensus, VersionedData } from './types.js';
import type { SharedSqlite } from './sqlite-connection.js';
import { sqliteError } from './sqlite-errors.js';
import { checkCas, checkKey, checkScan, checkTruncate, plainBytes } from './validate.js';
import { HandleWatches, SeenHeads } from './watchers.js';

type Row = { seqno: number; data: Uint8Array };
const HEAD_SEQNO = 'SELECT seqno FROM consensus WHERE key = ? ORDER BY seqno DESC LIMIT 1';
const version = (r: Row): VersionedData => ({ seqno: r.seqno, data: plainBytes(r.data) });

export class SqliteConsensus implements Consensus {
  private closed = false;
  private readonly watches = new HandleWatches();
  private readonly seen = new SeenHeads();

  constructor(private readonly conn: SharedSqlite) {}

  private check(): void {
    if (this.closed) throw new Error(`SQLite consensus ${this.conn.path} is closed`);
  }

  private readHead(key: string): VersionedData | null {
    const row = this.conn.stmt('SELECT seqno, data FROM consensus WHERE key = ? ORDER BY seqno DESC LIMIT 1').get(key);
    const head = row ? version(row as Row) : null;
    this.seen.saw(key, head?.seqno);
    return head;
  }

  /**
   * Runs fn under the write lock. A failure before COMMIT certainly rolled back; one at COMMIT
   * may or may not have reached the file.
   */
  private writeTx<T>(what: string, key: string, fn: () => T): T {
    const { db } = this.conn;
    let committing = false;
    try {
      this.conn.stmt('BEGIN IMMEDIATE').run();
      const out = fn();
      committing = true;
      this.conn.stmt('COMMIT').run();
      return out;
    } catch (e) {
      if (db.inTransaction) {
        try {
          this.conn.stmt('ROLLBACK').run();
        } catch {
          // SQLite already rolled back on its own.
        }
      }
      throw sqliteError(e, this.conn.path, what, key, !committing);
    }
  }

  async head(key: string): Promise<VersionedData | null> {
    this.check();
    checkKey(key);
    try {
      return this.readHead(key);
    } catch (e) {
      throw sqliteError(e, this.conn.path, 'read head', key, true);
    }
  }

  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    this.check();
    checkCas(key, expected, data);
    // No read before the transaction: the check inside it is the one that counts, and a second
    // head read cost more on the (common) uncontended path than it saved racing losers.
    const result = this.writeTx<CasResult>(`compare-and-set ${key}@${data.seqno}`, key, () => {
      // The head's seqno decides; its data is read only for a mismatch, which returns it.
      const seqno = this.conn.stmt(HEAD_SEQNO).pluck().get(key) as number | undefined;
      if ((seqno ?? null) !== expected) return { ok: false, current: this.readHead(key) };
      this.conn.stmt('INSERT INTO consensus (key, seqno, data) VALUES (?, ?, ?)').run(key, data.seqno, data.data);
      return { ok: true };
    });
    if (result.ok) {
      this.conn.wrote(data.data.length);
      this.seen.saw(key, data.seqno);
      this.conn.committed(key, data.seqno);
    }
    return result;
  }

  async scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    this.check();
    checkScan(key, fromSeqno, limit);
    if (limit === 0) return [];
    try {
      const rows = this.conn
        .stmt('SELECT seqno, data FROM consensus WHERE key = ? AND seqno >= ? ORDER BY seqno LIMIT ?')
        .all(key, fromSeqno, limit) as Row[];
      this.seen.saw(key, rows[rows.length - 1]?.seqno);
      return rows.map(version);
    } catch (e) {
      throw sqliteError(e, this.conn.path, 'scan', key, true);
    }
  }

  async truncate(key: string, belowSeqno: number): Promise<number> {
    this.check();
    checkTruncate(key, belowSeqno);
    return this.writeTx(`truncate ${key}`, key, () => {
      const sql =
        'DELETE FROM consensus WHERE key = ? AND seqno < ? AND seqno < (SELECT MAX(seqno) FROM consensus WHERE key = ?)';
      return this.conn.stmt(sql).run(key, belowSeqno, key).changes;
    });
  }

  async listKeys(): Promise<string[]> {
    this.check();
    try {
      return this.conn.stmt('SELECT DISTINCT key FROM consensus ORDER BY key').pluck().all() as string[];
    } catch (e) {
      throw sqliteError(e, this.conn.path, 'list keys', '(consensus keys)', true);
    }
  }

  watch(key: string, onChange: (seqno?: number) => void): () => void {
    this.check();
    checkKey(key);
    return this.watches.track(this.conn.watch(key, onChange, this.seen.get(key)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watches.closeAll();
    this.conn.release();
  }
}
