// A production location (s3rver + PostgreSQL, the real servers) tried as an operator would:
// killed connections, a stopped or frozen server, a restarted S3 endpoint, a silent endpoint, two
// writer processes. Servers that a test stops are its own, so no other test file is disturbed.
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startPostgres, type PgServer } from '../../test/pg-server.js';
import { startS3rver, type S3Server } from '../../test/s3-server.js';
import { LocationError } from '../errors.js';
import { newShardId, PersistClient } from '../index.js';
import { strings } from '../testing/util.js';
import { spawnTsx } from '../testing/child.js';

const sharedPg = process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri');
const sharedS3 = process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri');
const CHILD = join(import.meta.dirname, '..', 'testing', 'location-append-child.ts');
// The long outage (40 s, beyond the engine's default 30 s retry bound) costs a minute; opt in.
const LONG = process.env.SHARDSCOPE_LONG_FAULTS === '1';

type Location = { blob: string; consensus: string };

/** A fresh location on the given servers: its own S3 prefix and its own PostgreSQL schema. */
function location(pgUri: string, s3Uri: string, appName?: string): Location {
  const id = randomUUID().replace(/-/g, '');
  const s3 = new URL(s3Uri);
  s3.pathname = `${s3.pathname}/${id}`;
  const pgu = new URL(pgUri);
  pgu.searchParams.set('schema', `t_${id.slice(0, 20)}`);
  if (appName) pgu.searchParams.set('application_name', appName);
  return { blob: s3.toString(), consensus: pgu.toString() };
}

function startWriter(loc: Location, shard: string, count: number, tag: string, big = 0, retryMs = 0) {
  const acks: string[] = [];
  const w = spawnTsx(CHILD, [JSON.stringify(loc), shard, String(count), tag, String(big), String(retryMs || '')], (l) => {
    if (l.startsWith('ack ')) acks.push(l.split(' ')[1]);
  });
  return { acks, exited: w.exited, stderr: w.stderr, kill: () => w.child.kill('SIGKILL') };
}

const until = async (cond: () => boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Every acknowledged key is in the shard exactly once, and nothing else is. */
async function checkExactlyOnce(loc: Location, shard: string, acked: string[]): Promise<{ count: number; leaked: string[] }> {
  const c = await PersistClient.open(loc);
  try {
    const r = await c.openLeasedReader(shard, strings);
    const upper = (await c.inspectShard(shard)).upper[0] as number;
    const data = upper > 0 ? await r.snapshotAndFetch([upper - 1]) : [];
    const counts = new Map<string, number>();
    for (const [k, , , d] of data) if (!k.includes('/pad')) counts.set(k, (counts.get(k) ?? 0) + d);
    for (const key of acked) expect(counts.get(key), key).toBe(1);
    for (const [k, d] of counts) expect(d, k).toBe(1);
    await r.expire();
    // Nothing a failed or retried write uploaded is left behind once GC has run.
    await c.admin.forceGc(shard);
    return { count: counts.size, leaked: await c.admin.unreferencedBlobs() };
  } finally {
    await c.close();
  }
}

async function terminate(pgUri: string, appName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: pgUri });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const res = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
    return res.rows[0].n;
  } finally {
    await admin.end();
  }
}

describe('s3 + postgres under faults', () => {
  it('a writer whose backends are killed every 150 ms does not crash; every acknowledged append is there once', async () => {
    const app = `victim-${randomUUID().slice(0, 8)}`;
    const loc = location(sharedPg, sharedS3, app);
    const shard = newShardId();
    const w = startWriter(loc, shard, 150, 'k', 20);
    let kills = 0;
    const killer = setInterval(() => void terminate(sharedPg, app).then((n) => (kills += n), () => undefined), 150);
    const code = await w.exited;
    clearInterval(killer);
    expect(code, w.stderr()).toBe(0);
    expect(kills).toBeGreaterThan(0);
    expect(w.acks).toHaveLength(150);
    expect((await checkExactlyOnce(loc, shard, w.acks)).count).toBe(150);
    console.log(`pg_terminate_backend every 150 ms: ${kills} backends killed, 150 acks, each once`);
  }, 180_000);

  it('two writer processes on one location: every acknowledged append is there exactly once', async () => {
    const loc = location(sharedPg, sharedS3);
    const shard = newShardId();
    const a = startWriter(loc, shard, 60, 'a', 20);
    const b = startWriter(loc, shard, 60, 'b', 20);
    const codes = await Promise.all([a.exited, b.exited]);
    expect(codes, a.stderr() + b.stderr()).toEqual([0, 0]);
    expect((await checkExactlyOnce(loc, shard, [...a.acks, ...b.acks])).count).toBe(120);
  }, 120_000);

  it('a silent endpoint (accepts, never answers) fails PersistClient.open within seconds, naming it', async () => {
    const sockets = new Set<Socket>();
    const srv = createServer((s) => void sockets.add(s.on('error', () => undefined)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      for (const loc of [
        { blob: `s3://bucket/p?endpoint=http://127.0.0.1:${port}&region=us-east-1`, consensus: location(sharedPg, sharedS3).consensus },
        { blob: location(sharedPg, sharedS3).blob, consensus: `postgres://u:secret@127.0.0.1:${port}/db` },
      ]) {
        const err = await PersistClient.open(loc).catch((e) => e);
        expect(err).toBeInstanceOf(LocationError);
        expect(err.message).toContain(`127.0.0.1:${port}`);
        expect(err.message).toMatch(/reachable/);
        expect(err.message).not.toContain('secret');
      }
    } finally {
      for (const s of sockets) s.destroy();
      srv.close();
    }
  }, 30_000); // the open deadline is 5 s per location; before it existed this took 60-182 s and would time out here
});

describe('s3 + postgres with servers of their own, stopped and restarted', () => {
  let pgServer: PgServer;
  let s3Server: S3Server;
  const ready = (async () => {
    [pgServer, s3Server] = await Promise.all([startPostgres(), startS3rver()]);
  })();
  afterAll(async () => {
    await ready.catch(() => undefined);
    pgServer?.stop();
    s3Server?.stop();
  });

  async function outage(stop: () => void | Promise<void>, start: () => void | Promise<void>, ms: number, retryMs = 0) {
    await ready;
    const loc = location(pgServer.uri, s3Server.uri);
    const shard = newShardId();
    const w = startWriter(loc, shard, 60, 'k', 20, retryMs);
    await until(() => w.acks.length >= 10);
    await stop();
    const during = w.acks.length;
    await new Promise((r) => setTimeout(r, ms));
    await start();
    const code = await w.exited;
    expect(code, w.stderr()).toBe(0);
    expect(w.acks).toHaveLength(60);
    const { count, leaked } = await checkExactlyOnce(loc, shard, w.acks);
    expect(count).toBe(60);
    expect(leaked).toEqual([]);
    return during;
  }

  it('PostgreSQL stopped (pg_ctl stop) for 10 s mid-workload: the writer rides it out, nothing lost or doubled', async () => {
    await outage(() => pgServer.stopServer(), () => pgServer.startServer(), 10_000);
  }, 120_000);

  it('PostgreSQL frozen (SIGSTOP) for 10 s mid-workload: timeouts, then recovery without reopening', async () => {
    await outage(() => pgServer.freeze(), () => pgServer.thaw(), 10_000);
  }, 120_000);

  it.runIf(LONG)('PostgreSQL stopped for 40 s (beyond the default retry bound; SHARDSCOPE_LONG_FAULTS=1)', async () => {
    await outage(() => pgServer.stopServer(), () => pgServer.startServer(), 40_000, 120_000);
  }, 180_000);

  it('s3rver stopped for 5 s and restarted mid-workload: nothing lost or doubled', async () => {
    await outage(() => s3Server.stopServer(), () => s3Server.startServer(), 5_000);
  }, 120_000);
});
