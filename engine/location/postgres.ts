// Consensus in PostgreSQL (`postgres://user@host:port/db`).
import pg from 'pg';
import type { CasResult, Consensus, VersionedData } from './types.js';
import { isRetryableConflict, isServerError, pgError } from './postgres-errors.js';
import { redactUri } from './redact.js';
import { CHANNEL, PgWatch } from './postgres-watch.js';
import { checkCas, checkKey, checkScan, checkTruncate } from './validate.js';
import { SeenHeads } from './watchers.js';

export interface PostgresOptions {
  connectTimeoutMs?: number;
  /** Client-side bound on one statement; a write that hits it is indeterminate. */
  queryTimeoutMs?: number;
  poolSize?: number;
  /** Fallback head polling while something is watched (LISTEN/NOTIFY does the fast path). */
  pollIntervalMs?: number;
}

const TABLE = 'shardscope_consensus';

// One round trip. Under SERIALIZABLE (the session default set at connect), two racers that both
// read the same head cannot both insert, even with different new seqnos: one of them gets a
// serialization failure and is re-run, then sees the mismatch. The NOTIFY is sent on commit.
const CAS_SQL = `
WITH head AS (
  SELECT seqno, data FROM ${TABLE} WHERE shard = $1 ORDER BY seqno DESC LIMIT 1
), ins AS (
  INSERT INTO ${TABLE} (shard, seqno, data)
  SELECT $1, $2::bigint, $3 WHERE (SELECT seqno FROM head) IS NOT DISTINCT FROM $4::bigint
  RETURNING seqno
), notified AS (
  SELECT pg_notify('${CHANNEL}', $2::bigint::text || ' ' || $1) FROM ins
)
SELECT (SELECT count(*) FROM ins)::int AS inserted,
       (SELECT count(*) FROM notified)::int AS notified,
       (SELECT seqno FROM head) AS head_seqno,
       CASE WHEN (SELECT count(*) FROM ins) = 0 THEN (SELECT data FROM head) END AS head_data`;

const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  shard TEXT NOT NULL, seqno BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (shard, seqno))`;

const bytes = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const version = (r: { seqno: string; data: Buffer }): VersionedData => ({
  seqno: Number(r.seqno),
  data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
});

export class PostgresConsensus implements Consensus {
  private closed = false;
  private readonly seen = new SeenHeads();
  private readonly unsubscribes = new Set<() => void>();
  private readonly watcher: PgWatch;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    uri: string,
    options: PostgresOptions,
  ) {
    this.watcher = new PgWatch({
      connectionString: uri,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      heads: (keys) => this.heads(keys),
    });
  }

  /** Connects once and creates the table if needed, so a wrong or unreachable server fails here. */
  static async open(uri: string, options: PostgresOptions = {}): Promise<PostgresConsensus> {
    const pool = new pg.Pool({
      connectionString: uri,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      max: options.poolSize ?? 4,
      options: '-c default_transaction_isolation=serializable',
      allowExitOnIdle: true,
    });
    // Without a listener an idle connection dropped by the server would crash the process.
    pool.on('error', () => undefined);
    const c = new PostgresConsensus(pool, redactUri(uri), uri, options);
    try {
      await c.query('open (create table)', false, SCHEMA_SQL, []);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return c;
  }

  private async query<R extends pg.QueryResultRow>(what: string, mutating: boolean, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new Error(`PostgreSQL consensus ${this.where} is closed`);
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw pgError(e, this.where, what, mutating, false);
      }
      try {
        const res = await client.query<R>(sql, params);
        client.release();
        return res;
      } catch (e) {
        // A connection that failed mid-statement is not given back to the pool.
        client.release(isServerError(e) ? undefined : (e as Error));
        // Conflicts certainly rolled back; the statement re-run sees the winner's commit.
        if (isRetryableConflict(e) && attempt < 20) {
          await new Promise((r) => setTimeout(r, Math.random() * 2 * (attempt + 1)));
          continue;
        }
        throw pgError(e, this.where, what, mutating, true);
      }
    }
  }

  async head(key: string): Promise<VersionedData | null> {
    checkKey(key);
    const res = await this.query<{ seqno: string; data: Buffer }>(
      'read head',
      false,
      `SELECT seqno, data FROM ${TABLE} WHERE shard = $1 ORDER BY seqno DESC LIMIT 1`,
      [key],
    );
    const head = res.rows[0] ? version(res.rows[0]) : null;
    this.seen.saw(key, head?.seqno);
    return head;
  }

  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    checkCas(key, expected, data);
    const res = await this.query<{ inserted: number; head_seqno: string | null; head_data: Buffer | null }>(
      `compare-and-set ${key}@${data.seqno}`,
      true,
      CAS_SQL,
      [key, data.seqno, bytes(data.data), expected],
    );
    const row = res.rows[0];
    if (row.inserted === 1) {
      this.seen.saw(key, data.seqno);
      this.watcher.committed(key, data.seqno);
      return { ok: true };
    }
    const current = row.head_seqno === null ? null : version({ seqno: row.head_seqno, data: row.head_data! });
    this.seen.saw(key, current?.seqno);
    return { ok: false, current };
  }

  async scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    checkScan(key, fromSeqno, limit);
    if (limit === 0) return [];
    const res = await this.query<{ seqno: string; data: Buffer }>(
      'scan',
      false,
      `SELECT seqno, data FROM ${TABLE} WHERE shard = $1 AND seqno >= $2 ORDER BY seqno LIMIT $3`,
      [key, fromSeqno, limit],
    );
    const out = res.rows.map(version);
    this.seen.saw(key, out[out.length - 1]?.seqno);
    return out;
  }

  async truncate(key: string, belowSeqno: number): Promise<number> {
    checkTruncate(key, belowSeqno);
    const res = await this.query(
      `truncate ${key}`,
      true,
      `DELETE FROM ${TABLE} WHERE shard = $1 AND seqno < $2
         AND seqno < (SELECT MAX(seqno) FROM ${TABLE} WHERE shard = $1)`,
      [key, belowSeqno],
    );
    return res.rowCount ?? 0;
  }

  async listKeys(): Promise<string[]> {
    const res = await this.query<{ shard: string }>('list keys', false, `SELECT shard FROM ${TABLE} GROUP BY shard ORDER BY shard COLLATE "C"`, []);
    return res.rows.map((r) => r.shard);
  }

  private async heads(keys: string[]): Promise<Map<string, number>> {
    const res = await this.query<{ shard: string; seqno: string }>(
      'read heads',
      false,
      `SELECT shard, MAX(seqno) AS seqno FROM ${TABLE} WHERE shard = ANY($1) GROUP BY shard`,
      [keys],
    );
    return new Map(res.rows.map((r) => [r.shard, Number(r.seqno)]));
  }

  watch(key: string, onChange: (seqno?: number) => void): () => void {
    checkKey(key);
    if (this.closed) throw new Error(`PostgreSQL consensus ${this.where} is closed`);
    const off = this.watcher.add(key, onChange, this.seen.get(key));
    const unsubscribe = () => {
      if (this.unsubscribes.delete(unsubscribe)) off();
    };
    this.unsubscribes.add(unsubscribe);
    return unsubscribe;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of [...this.unsubscribes]) u();
    this.watcher.close();
    await this.pool.end();
  }
}
