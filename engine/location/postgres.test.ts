import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { LocationError } from '../errors.js';
import { consensusConformance } from './conformance.test-util.js';
import { freePort } from '../../test/ports.js';
import { connectionDropped, pgError } from './postgres-errors.js';
import { PostgresConsensus } from './postgres.js';
import { retryExternal } from './retry.js';

const uri = process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri');

consensusConformance(
  'postgres',
  async () => ({
    a: await PostgresConsensus.open(uri),
    // A second pool, as another process would have; its watches must come through NOTIFY.
    b: await PostgresConsensus.open(uri, { pollIntervalMs: 60_000 }),
  }),
  { truncatePastHeadRejects: true },
);

describe('PostgresConsensus', () => {
  it('hears another client’s commit through LISTEN/NOTIFY well before the poll', async () => {
    const a = await PostgresConsensus.open(uri, { pollIntervalMs: 60_000 });
    const b = await PostgresConsensus.open(uri);
    const key = `notify-${Date.now()}`;
    const times: number[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    let sentAt = 0;
    a.watch(key, () => {
      times.push(performance.now() - sentAt);
      if (times.length === 20) resolve();
    });
    await new Promise((r) => setTimeout(r, 200)); // let the listener connect
    for (let i = 1; i <= 20; i++) {
      sentAt = performance.now();
      await b.compareAndSet(key, i === 1 ? null : i - 1, { seqno: i, data: new Uint8Array([i]) });
      await new Promise((r) => setTimeout(r, 20));
    }
    await done;
    times.sort((x, y) => x - y);
    console.log(`postgres NOTIFY watch latency p50 ${times[10].toFixed(2)} ms (from the start of the CAS call)`);
    expect(times[10]).toBeLessThan(500);
    await a.close();
    await b.close();
  });

  it('falls back to polling when notifications do not arrive', async () => {
    const a = await PostgresConsensus.open(uri, { pollIntervalMs: 50 });
    const b = await PostgresConsensus.open(uri);
    const key = `poll-${Date.now()}`;
    let fired = 0;
    a.watch(key, () => fired++);
    await new Promise((r) => setTimeout(r, 100));
    // A write that sends no NOTIFY, as from a tool that bypasses compare-and-set.
    const raw = new pg.Client({ connectionString: uri });
    await raw.connect();
    await raw.query('INSERT INTO public.shardscope_consensus (shard, seqno, data) VALUES ($1, 1, $2)', [key, Buffer.from([1])]);
    await raw.end();
    await expect.poll(() => fired, { timeout: 3000 }).toBeGreaterThan(0);
    await a.close();
    await b.close();
  });

  it('racers with different new seqnos on one head: exactly one wins, round after round', async () => {
    const a = await PostgresConsensus.open(uri, { poolSize: 8 });
    const b = await PostgresConsensus.open(uri, { poolSize: 8 });
    const key = `race-${Date.now()}`;
    let head: number | null = null;
    for (let round = 0; round < 40; round++) {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).compareAndSet(key, head, { seqno: (head ?? 0) + 1 + i, data: new Uint8Array([i]) }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      head = (await a.head(key))!.seqno;
    }
    expect(await a.scan(key, 0, 1000)).toHaveLength(40);
    await a.close();
    await b.close();
  }, 60_000);

  it('stores seqnos beyond 32 bits', async () => {
    const a = await PostgresConsensus.open(uri);
    const key = `big-${Date.now()}`;
    const big = 2 ** 40;
    await a.compareAndSet(key, null, { seqno: big, data: new Uint8Array() });
    expect((await a.head(key))?.seqno).toBe(big);
    expect(await a.compareAndSet(key, big, { seqno: big + 1, data: new Uint8Array() })).toEqual({ ok: true });
    await a.close();
  });

  // "Quickly": a hang (the open retrying for its whole 30 s bound) runs into the 10 s timeout.
  it('an unreachable server fails open with a clear LocationError, quickly', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const err = await PostgresConsensus.open(`postgres://someone:secret@127.0.0.1:${port}/db`).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(err.message).toMatch(/reachable/);
    expect(err.message).not.toMatch(/secret/);
  });

  it('a server that goes away mid-use gives LocationErrors that retryExternal gives up on in bounded time', { timeout: 10_000 }, async () => {
    const port = await freePort();
    // A server that accepts and immediately hangs up: connect attempts fail again and again.
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    const err = await PostgresConsensus.open(`postgres://x@127.0.0.1:${port}/db`, { connectTimeoutMs: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    const retried = await retryExternal(
      () => Promise.reject(err),
      'open',
      { totalMs: 300 },
    ).catch((e) => e);
    expect(retried).toBeInstanceOf(LocationError);
    expect(retried.message).toMatch(/gave up after \d+ attempts/);
    srv.close();
  });
});


function withParams(base: string, params: Record<string, string>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

async function adminQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const admin = new pg.Client({ connectionString: uri });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    return (await admin.query<R>(sql, params)).rows;
  } finally {
    await admin.end();
  }
}

const terminate = (app: string, extra = '') =>
  adminQuery<{ n: number }>(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 ${extra}`, [app]).then(
    (r) => r[0].n,
  );

describe('PostgresConsensus as an operator runs it', () => {
  it('two locations in one database (?schema=) do not share keys', async () => {
    const a = await PostgresConsensus.open(withParams(uri, { schema: `loc_a_${Date.now()}` }));
    const b = await PostgresConsensus.open(withParams(uri, { schema: `loc_b_${Date.now()}` }));
    await a.compareAndSet('shard-1', null, { seqno: 1, data: new Uint8Array([1]) });
    await b.compareAndSet('shard-2', null, { seqno: 1, data: new Uint8Array([2]) });
    expect(await a.listKeys()).toEqual(['shard-1']);
    expect(await b.listKeys()).toEqual(['shard-2']);
    expect(await b.head('shard-1')).toBeNull();
    await a.close();
    await b.close();
    await expect(PostgresConsensus.open(withParams(uri, { schema: 'Bad-Name' }))).rejects.toThrow(/schema must be a lower-case SQL identifier/);
  });

  it('opens in parallel on a fresh schema (table creation is serialised), and adopts a table written before heads existed', async () => {
    const schema = `par_${Date.now()}`;
    const many = await Promise.all(Array.from({ length: 4 }, () => PostgresConsensus.open(withParams(uri, { schema }))));
    for (const c of many) await c.close();
    // A table in the layout of earlier versions: versions only, no heads.
    const legacy = `legacy_${Date.now()}`;
    await adminQuery(`CREATE SCHEMA ${legacy}`);
    await adminQuery(`CREATE TABLE ${legacy}.shardscope_consensus (shard TEXT NOT NULL, seqno BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (shard, seqno))`);
    await adminQuery(`INSERT INTO ${legacy}.shardscope_consensus VALUES ('s', 1, '\\x01'), ('s', 2, '\\x02')`);
    const c = await PostgresConsensus.open(withParams(uri, { schema: legacy }));
    expect(await c.compareAndSet('s', 1, { seqno: 3, data: new Uint8Array() })).toMatchObject({ ok: false, current: { seqno: 2 } });
    expect(await c.compareAndSet('s', 2, { seqno: 3, data: new Uint8Array([3]) })).toEqual({ ok: true });
    expect(await c.truncate('s', 3)).toBe(2);
    await c.close();
  });

  it('the compare-and-set holds under whatever isolation level the URI asks for', async () => {
    for (const level of ['serializable', 'repeatable\\ read', 'read\\ committed']) {
      const u = withParams(uri, { options: `-c default_transaction_isolation=${level}` });
      const a = await PostgresConsensus.open(u, { poolSize: 6 });
      const b = await PostgresConsensus.open(u, { poolSize: 6 });
      const key = `iso-${randomUUID()}`;
      let head: number | null = null;
      for (let round = 0; round < 15; round++) {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).compareAndSet(key, head, { seqno: (head ?? 0) + 1 + i, data: new Uint8Array([i]) })),
        );
        expect(results.filter((r) => r.ok), level).toHaveLength(1);
        // Every loser is told the winner's head, not a stale one.
        const winner = (await a.head(key))!.seqno;
        for (const r of results) if (!r.ok) expect(r.current?.seqno).toBe(winner);
        head = winner;
      }
      expect(await a.scan(key, 0, 100)).toHaveLength(15);
      await a.close();
      await b.close();
    }
  }, 60_000);

  it('a server that drops every pooled connection crashes nothing; the next call reconnects', async () => {
    const app = `drop-${randomUUID().slice(0, 8)}`;
    const c = await PostgresConsensus.open(withParams(uri, { application_name: app }), { poolSize: 4 });
    const key = `drop-${randomUUID()}`;
    await Promise.all([c.head(key), c.head(key), c.head(key), c.head(key)]);
    const stop = c.watch(key, () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    // Idle pooled connections and the LISTEN connection all get 57P01 (admin shutdown).
    expect(await terminate(app)).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.compareAndSet(key, null, { seqno: 1, data: new Uint8Array([1]) })).toEqual({ ok: true });
    stop();
    await c.close();
  });

  it('a killed LISTEN connection reconnects and the change made meanwhile still arrives', async () => {
    const app = `listen-${randomUUID().slice(0, 8)}`;
    const a = await PostgresConsensus.open(withParams(uri, { application_name: app }), { pollIntervalMs: 60_000 });
    const b = await PostgresConsensus.open(uri);
    const key = `relisten-${randomUUID()}`;
    await b.compareAndSet(key, null, { seqno: 1, data: new Uint8Array([1]) });
    await a.head(key);
    const seen: (number | undefined)[] = [];
    a.watch(key, (s) => seen.push(s));
    await expect.poll(() => adminQuery(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`, [app]).then((r) => r.length)).toBe(1);
    expect(await terminate(app, `AND query LIKE 'LISTEN%'`)).toBe(1);
    // Written while nobody listens; the poll is a minute away, so only the reconnect can tell.
    await b.compareAndSet(key, 1, { seqno: 2, data: new Uint8Array([2]) });
    await expect.poll(() => seen.includes(2), { timeout: 10_000 }).toBe(true);
    // And the new connection hears the next one by NOTIFY.
    await b.compareAndSet(key, 2, { seqno: 3, data: new Uint8Array([3]) });
    await expect.poll(() => seen.includes(3), { timeout: 10_000 }).toBe(true);
    await a.close();
    await b.close();
  });

  it('notifications are per key: a watcher of one key is not woken by another', async () => {
    const b = await PostgresConsensus.open(uri);
    const watched = `mine-${randomUUID()}`;
    const other = `theirs-${randomUUID()}`;
    const channels = await new Promise<string[]>((resolve) => {
      const heard: string[] = [];
      // A raw listener on the watched key's channel only, as the consensus subscribes.
      void (async () => {
        const raw = new pg.Client({ connectionString: uri });
        await raw.connect();
        raw.on('notification', (n) => heard.push(n.payload ?? ''));
        const { channelFor } = await import('./postgres.js');
        await raw.query(`LISTEN "${channelFor('public', watched)}"`);
        for (let i = 1; i <= 5; i++) await b.compareAndSet(other, i === 1 ? null : i - 1, { seqno: i, data: new Uint8Array() });
        await b.compareAndSet(watched, null, { seqno: 1, data: new Uint8Array() });
        await new Promise((r) => setTimeout(r, 300));
        await raw.end();
        resolve(heard);
      })();
    });
    expect(channels).toEqual([`1 ${watched}`]);
    await b.close();
  });

  it('a process that only waits on a watch stays alive until the change arrives', async () => {
    const key = `alive-${randomUUID()}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'testing', 'pg-listen-child.ts'), uri, key], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await expect.poll(() => out, { timeout: 20_000 }).toContain('watching');
    await new Promise((r) => setTimeout(r, 1000));
    const b = await PostgresConsensus.open(uri);
    await b.compareAndSet(key, null, { seqno: 7, data: new Uint8Array() });
    expect(await exited, err).toBe(0);
    expect(out).toContain('woke 7');
    await b.close();
  }, 30_000);

  it('only failures that prove the write did not happen are determinate', () => {
    const det = (code: string | undefined, message = 'x') => pgError(Object.assign(new Error(message), code ? { code } : {}), 'here', 'cas', true, true).determinate;
    expect(det('40001')).toBe(true); // serialization failure
    expect(det('23505')).toBe(true); // the guarded insert lost
    expect(det('42601')).toBe(true); // syntax
    expect(det('42501')).toBe(true); // permission
    expect(det('57P01')).toBe(false); // admin shutdown mid-statement
    expect(det('57014')).toBe(false); // statement_timeout
    expect(det('08006')).toBe(false); // connection failure
    expect(det('XX000')).toBe(false); // internal
    expect(det(undefined, 'Connection terminated unexpectedly')).toBe(false);
    expect(det(undefined, 'Query read timeout')).toBe(false);
    // Never sent (the pool could not connect): certainly not applied.
    expect(pgError(new Error('connect ECONNREFUSED'), 'here', 'cas', true, false).determinate).toBe(true);
  });

  it('open retries a connection the server dropped, never an unreachable or silent one', () => {
    const e = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
    expect(connectionDropped(e('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(connectionDropped(e('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(connectionDropped(e('Connection terminated unexpectedly'))).toBe(true);
    expect(connectionDropped(e('connect ECONNREFUSED 127.0.0.1:1'))).toBe(false);
    expect(connectionDropped(e('Connection terminated due to connection timeout'))).toBe(false);
    expect(connectionDropped(e('password authentication failed for user "x"', '28P01'))).toBe(false);
  });

  it('says what is wrong in words: a missing database is not "unreachable"', async () => {
    const u = new URL(uri);
    u.pathname = '/no_such_db_here';
    const err = await PostgresConsensus.open(u.toString()).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(/database does not exist/);
    expect(err.message).not.toMatch(/reachable/);
  });
});
