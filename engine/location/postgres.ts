// Consensus in PostgreSQL (`postgres://user@host:port/db?schema=NAME`), after Materialize's
// persist PostgresConsensus: one row per version, one round trip per compare-and-set, a pool of
// connections with a TTL, and LISTEN/NOTIFY for change notification.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { InvalidUsageError } from '../errors.js';
import type { CasResult, Consensus, VersionedData } from './types.js';
import { connectionDropped, isRetryableConflict, pgError } from './postgres-errors.js';
import { redactUri } from './redact.js';
import { PgWatch } from './postgres-watch.js';
import { checkCas, checkKey, checkScan, checkTruncate } from './validate.js';
import { HandleWatches, SeenHeads } from './watchers.js';

export interface PostgresOptions {
  connectTimeoutMs?: number;
  /** Client-side bound on one statement; a write that hits it is indeterminate. */
  queryTimeoutMs?: number;
  /**
   * Server-side statement_timeout, kept below queryTimeoutMs so that a statement the client gave
   * up on is cancelled by the server too instead of committing long after.
   */
  statementTimeoutMs?: number;
  poolSize?: number;
  /** Connections are replaced after about this long (a failover or DNS change is picked up)... */
  connectionTtlMs?: number;
  /** ...minus up to this much at random, so a pool's connections do not all reconnect together. */
  connectionTtlStaggerMs?: number;
  /** TCP keepalive: a peer that vanished without a FIN is noticed. */
  keepAliveMs?: number;
  /** Fallback head polling while something is watched (LISTEN/NOTIFY does the fast path). */
  pollIntervalMs?: number;
  /** The schema holding this location's tables; also `?schema=` in the URI. Default public. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// Serialises concurrent creation of the tables: CREATE TABLE IF NOT EXISTS can fail with a unique
// violation on the catalog when two sessions race (as Materialize works around, issue 12560).
const CREATE_LOCK = 7_311_934_550_113_077n;

/**
 * Why the compare-and-set is linearizable under any isolation level (the URI's `options=` may
 * set one, and we do not depend on it):
 *
 * `heads` holds one row per key with its newest seqno, changed only by this statement, in the
 * same transaction as the version row. A CAS with an expected seqno is
 * `UPDATE heads SET seqno = new WHERE shard = k AND seqno = expected`. Two racers on one
 * expected seqno both target that one row; the second blocks on its row lock until the first
 * commits, and then
 *  - under READ COMMITTED re-checks the WHERE on the committed row (seqno is now the winner's),
 *    matches nothing, and inserts nothing;
 *  - under REPEATABLE READ or SERIALIZABLE fails with 40001, which proves it rolled back and is
 *    re-run (then it sees the mismatch).
 * A CAS on an empty key inserts the heads row; the primary key makes exactly one racer win,
 * whatever their new seqnos (ON CONFLICT DO NOTHING waits for the other inserter's outcome).
 * Without the heads row, two racers that read the same head in their snapshots could both insert
 * versions with different new seqnos, and only SERIALIZABLE would stop them, at the cost of
 * serialization failures across unrelated keys (its predicate locks are per index page).
 * So each session is set to READ COMMITTED: the same guarantee, no needless 40001 retries.
 */
interface Sql {
  casFirst: string;
  casNext: string;
  head: string;
  scan: string;
  truncate: string;
  listKeys: string;
  heads: string;
}

function sqlFor(schema: string): Sql {
  const versions = `"${schema}".shardscope_consensus`;
  const heads = `"${schema}".shardscope_heads`;
  const tail = `ins AS (INSERT INTO ${versions} (shard, seqno, data) SELECT $1, $2::bigint, $3 FROM h RETURNING 1),
notified AS (SELECT pg_notify($4, $2::bigint::text || ' ' || $1) FROM ins)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM notified)::int AS notified`;
  return {
    casFirst: `WITH h AS (INSERT INTO ${heads} (shard, seqno) VALUES ($1, $2::bigint) ON CONFLICT DO NOTHING RETURNING 1),\n${tail}`,
    casNext: `WITH h AS (UPDATE ${heads} SET seqno = $2::bigint WHERE shard = $1 AND seqno = $5::bigint RETURNING 1),\n${tail}`,
    head: `SELECT seqno, data FROM ${versions} WHERE shard = $1 ORDER BY seqno DESC LIMIT 1`,
    scan: `SELECT seqno, data FROM ${versions} WHERE shard = $1 AND seqno >= $2 ORDER BY seqno LIMIT $3`,
    // Never the head: only below the heads row, read under the same statement.
    truncate: `WITH h AS (SELECT seqno FROM ${heads} WHERE shard = $1),
del AS (DELETE FROM ${versions} WHERE shard = $1 AND seqno < $2 AND seqno < (SELECT seqno FROM h)
        AND $2 <= (SELECT seqno FROM h) RETURNING 1)
SELECT (SELECT count(*) FROM del)::int AS deleted, (SELECT seqno FROM h) AS head`,
    listKeys: `SELECT shard FROM ${versions} GROUP BY shard ORDER BY shard COLLATE "C"`,
    heads: `SELECT shard, MAX(seqno) AS seqno FROM ${versions} WHERE shard = ANY($1) GROUP BY shard`,
  };
}

function schemaSql(schema: string): string[] {
  const versions = `"${schema}".shardscope_consensus`;
  return [
    ...(schema === 'public' ? [] : [`CREATE SCHEMA IF NOT EXISTS "${schema}"`]),
    `CREATE TABLE IF NOT EXISTS ${versions} (
       shard TEXT NOT NULL, seqno BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (shard, seqno))`,
  ];
}

const bytes = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const version = (r: { seqno: string; data: Buffer }): VersionedData => ({
  seqno: Number(r.seqno),
  data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
});

/** The NOTIFY channel of one key: per key, so a listener hears only what it watches. */
export function channelFor(schema: string, key: string): string {
  return `ss_${createHash('sha256').update(`${schema}\0${key}`).digest('hex').slice(0, 40)}`;
}

/** Splits our own `schema` parameter from the URI; the rest goes to node-postgres as is. */
export function parsePostgresUri(uri: string, schemaOption?: string): { connectionString: string; schema: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidUsageError('InvalidLocation', `invalid location ${redactUri(uri)}: not a valid URI`);
  }
  const fromUri = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const schema = fromUri ?? schemaOption ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new InvalidUsageError(
      'InvalidLocation',
      `invalid location ${redactUri(uri)}: schema must be a lower-case SQL identifier (a-z, 0-9, _; at most 63), got ${JSON.stringify(schema)}`,
    );
  }
  return { connectionString: url.toString(), schema };
}

type Born = pg.PoolClient & { shardscopeExpiresAt?: number };

export class PostgresConsensus implements Consensus {
  private closed = false;
  private readonly seen = new SeenHeads();
  private readonly watches = new HandleWatches();
  private readonly watcher: PgWatch;
  private readonly sql: Sql;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    readonly schema: string,
    clientConfig: pg.ClientConfig,
    options: PostgresOptions,
  ) {
    this.sql = sqlFor(schema);
    this.watcher = new PgWatch({
      clientConfig,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      channel: (key) => channelFor(schema, key),
      heads: (keys) => this.heads(keys),
    });
  }

  /** Connects once and creates the tables if needed, so a wrong or unreachable server fails here. */
  static async open(uri: string, options: PostgresOptions = {}): Promise<PostgresConsensus> {
    const { connectionString, schema } = parsePostgresUri(uri, options.schema);
    const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
    const statementTimeoutMs = options.statementTimeoutMs ?? Math.max(100, queryTimeoutMs - Math.max(500, queryTimeoutMs / 5));
    if (statementTimeoutMs >= queryTimeoutMs) {
      throw new InvalidUsageError('InvalidArgument', `statementTimeoutMs (${statementTimeoutMs}) must be below queryTimeoutMs (${queryTimeoutMs})`);
    }
    const sessionSql =
      `SET statement_timeout = ${Math.round(statementTimeoutMs)}; SET idle_in_transaction_session_timeout = ${Math.round(queryTimeoutMs)};` +
      ` SET default_transaction_isolation = 'read committed'`;
    const clientConfig: pg.ClientConfig = {
      connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: options.keepAliveMs ?? 10_000,
      application_name: 'shardscope',
    };
    const pool = new pg.Pool({
      ...clientConfig,
      max: options.poolSize ?? 8,
      allowExitOnIdle: true,
      idleTimeoutMillis: 30_000,
      // Run on every new connection before its first use, after any `options=` of the URI took
      // effect, so neither setting can be changed from the URI (see the CAS proof above).
      verify: (client, done) => {
        client.query(sessionSql).then(() => done(), done);
      },
    });
    const ttl = options.connectionTtlMs ?? 300_000;
    const stagger = Math.min(options.connectionTtlStaggerMs ?? 6_000, ttl);
    const where = redactUri(uri);
    // Without a listener, a connection the server drops (restart, pg_terminate_backend) emits an
    // 'error' nobody handles and the process dies. Idle clients are covered by the pool's own
    // listener, checked-out ones only by this one; the failed query rejects on its own.
    pool.on('error', () => undefined);
    pool.on('connect', (client: Born) => {
      client.on('error', () => undefined);
      client.shardscopeExpiresAt = Date.now() + ttl - Math.random() * stagger;
    });
    const c = new PostgresConsensus(pool, where, schema, clientConfig, options);
    try {
      await c.createTablesRetryingDrops();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return c;
  }

  /**
   * Creating the tables is idempotent (IF NOT EXISTS, under an advisory lock), so a connection the
   * server terminated mid-way (57P01..57P03: restart, pg_terminate_backend; or a pooled client
   * whose socket the kill already broke: "not queryable", "Connection terminated unexpectedly") is retried a
   * few times. Anything else (unreachable, wrong password, silent endpoint) fails open at once.
   */
  private async createTablesRetryingDrops(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createTables();
      } catch (e) {
        if (attempt >= 5 || !connectionDropped((e as { cause?: unknown }).cause)) throw e;
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }

  private async createTables(): Promise<void> {
    const heads = `"${this.schema}".shardscope_heads`;
    await this.transaction('open (create tables)', async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(${CREATE_LOCK})`);
      for (const s of schemaSql(this.schema)) await client.query(s);
      const missing = (await client.query<{ missing: boolean }>(`SELECT to_regclass($1) IS NULL AS missing`, [heads])).rows[0].missing;
      if (missing) {
        await client.query(`CREATE TABLE ${heads} (shard TEXT PRIMARY KEY, seqno BIGINT NOT NULL)`);
        // A table written before heads existed: its heads are its newest versions.
        await client.query(`INSERT INTO ${heads} SELECT shard, MAX(seqno) FROM "${this.schema}".shardscope_consensus GROUP BY shard`);
      }
    });
  }

  private async checkout(what: string): Promise<Born> {
    if (this.closed) throw new Error(`PostgreSQL consensus ${this.where} is closed`);
    try {
      return (await this.pool.connect()) as Born;
    } catch (e) {
      throw pgError(e, this.where, what, true, false);
    }
  }

  /** Gives a client back; a broken or expired one is closed instead. */
  private release(client: Born, failed: unknown): void {
    const expired = (client.shardscopeExpiresAt ?? Infinity) <= Date.now();
    client.release(failed ? (failed as Error) : expired ? true : undefined);
  }

  private async transaction(what: string, body: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.checkout(what);
    try {
      await client.query('BEGIN');
      await body(client);
      await client.query('COMMIT');
      this.release(client, undefined);
    } catch (e) {
      // Whatever state the connection is in now, it is not reused.
      this.release(client, e ?? new Error('failed'));
      throw pgError(e, this.where, what, true, true);
    }
  }

  private async query<R extends pg.QueryResultRow>(what: string, mutating: boolean, name: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.checkout(what);
      try {
        // Named: parsed and planned once per connection.
        const res = await client.query<R>({ name, text: sql, values: params });
        this.release(client, undefined);
        return res;
      } catch (e) {
        // A connection that failed mid-statement (or timed out client-side, with the statement
        // perhaps still running) is not given back to the pool.
        this.release(client, e ?? new Error('failed'));
        // A serialization failure or deadlock certainly rolled back; the re-run sees the winner.
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
    const res = await this.query<{ seqno: string; data: Buffer }>('read head', false, `ss_head_${this.schema}`, this.sql.head, [key]);
    const head = res.rows[0] ? version(res.rows[0]) : null;
    this.seen.saw(key, head?.seqno);
    return head;
  }

  async compareAndSet(key: string, expected: number | null, data: VersionedData): Promise<CasResult> {
    checkCas(key, expected, data);
    const what = `compare-and-set ${key}@${data.seqno}`;
    const channel = channelFor(this.schema, key);
    const res =
      expected === null
        ? await this.query<{ inserted: number }>(what, true, `ss_cas0_${this.schema}`, this.sql.casFirst, [key, data.seqno, bytes(data.data), channel])
        : await this.query<{ inserted: number }>(what, true, `ss_cas_${this.schema}`, this.sql.casNext, [
            key,
            data.seqno,
            bytes(data.data),
            channel,
            expected,
          ]);
    if (res.rows[0].inserted === 1) {
      this.seen.saw(key, data.seqno);
      this.watcher.committed(key, data.seqno);
      return { ok: true };
    }
    // The mismatch was decided on the committed heads row; the current head is read after it,
    // which is safe because a key's seqnos only grow (as Materialize reads it in a second step).
    return { ok: false, current: await this.head(key) };
  }

  async scan(key: string, fromSeqno: number, limit: number): Promise<VersionedData[]> {
    checkScan(key, fromSeqno, limit);
    if (limit === 0) return [];
    const res = await this.query<{ seqno: string; data: Buffer }>('scan', false, `ss_scan_${this.schema}`, this.sql.scan, [key, fromSeqno, limit]);
    const out = res.rows.map(version);
    this.seen.saw(key, out[out.length - 1]?.seqno);
    return out;
  }

  /** As Materialize's: truncating past the head (or a key with no versions) is an error, not a no-op. */
  async truncate(key: string, belowSeqno: number): Promise<number> {
    checkTruncate(key, belowSeqno);
    const res = await this.query<{ deleted: number; head: string | null }>(`truncate ${key}`, true, `ss_trunc_${this.schema}`, this.sql.truncate, [
      key,
      belowSeqno,
    ]);
    const { deleted, head } = res.rows[0];
    if (head === null || Number(head) < belowSeqno) {
      throw new InvalidUsageError(
        'InvalidArgument',
        `truncate ${key} below ${belowSeqno}: past the head (${head === null ? 'the key has no versions' : `head is ${head}`})`,
      );
    }
    return deleted;
  }

  async listKeys(): Promise<string[]> {
    const res = await this.query<{ shard: string }>('list keys', false, `ss_keys_${this.schema}`, this.sql.listKeys, []);
    return res.rows.map((r) => r.shard);
  }

  private async heads(keys: string[]): Promise<Map<string, number>> {
    const res = await this.query<{ shard: string; seqno: string }>('read heads', false, `ss_heads_${this.schema}`, this.sql.heads, [keys]);
    return new Map(res.rows.map((r) => [r.shard, Number(r.seqno)]));
  }

  watch(key: string, onChange: (seqno?: number) => void): () => void {
    checkKey(key);
    if (this.closed) throw new Error(`PostgreSQL consensus ${this.where} is closed`);
    return this.watches.track(this.watcher.add(key, onChange, this.seen.get(key)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watches.closeAll();
    this.watcher.close();
    await this.pool.end();
  }
}
