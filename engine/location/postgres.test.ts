import { createServer } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { LocationError } from '../errors.js';
import { consensusConformance } from './conformance.test-util.js';
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
    const pg = (await import('pg')).default;
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

  it('an unreachable server fails open with a clear LocationError, quickly', async () => {
    const port = await closedPort();
    const start = Date.now();
    const err = await PostgresConsensus.open(`postgres://someone:secret@127.0.0.1:${port}/db`).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(err.message).toMatch(/reachable/);
    expect(err.message).not.toMatch(/secret/);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('a server that goes away mid-use gives LocationErrors that retryExternal gives up on in bounded time', async () => {
    const port = await closedPort();
    // A server that accepts and immediately hangs up: connect attempts fail again and again.
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    const err = await PostgresConsensus.open(`postgres://x@127.0.0.1:${port}/db`, { connectTimeoutMs: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    const start = Date.now();
    const retried = await retryExternal(
      () => Promise.reject(err),
      'open',
      { totalMs: 300 },
    ).catch((e) => e);
    expect(retried).toBeInstanceOf(LocationError);
    expect(retried.message).toMatch(/gave up after \d+ attempts/);
    expect(Date.now() - start).toBeLessThan(2000);
    srv.close();
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
