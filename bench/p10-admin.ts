// P10: operator tools.
//
// P10-diff: admin.diff over (24, 74] of a shard with 1e6 updates spread over 100 times (100 appends
// of 1e4, keys random among 100k, 4 small values, diffs +-1; compaction off so the diff merges the
// 50 batches in the window, not a pre-merged few), against SQLite
// SELECT key, val, sum(diff) ... WHERE time > ? AND time <= ? GROUP BY key, val on the same rows
// (no index on time, as the table is written). Both in rows of the window per second, both
// materialize their answer as JS values.
//
// P10-health-10k: admin.locationHealth of a sandbox with 10k shards (one append each; every tenth
// keeps a writer and a reader), from a fresh client each run (every shard's state is loaded),
// against raw SQLite reading every shard's newest consensus row.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { perSecond, result, time, timePair, type Benchmark } from './harness.js';
import { consolidationBatches, insertRows, openDb, updatesDb } from './sqlite-baselines.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P10',
  title: 'operator tools: diff over (t1, t2] vs SQLite; health of 10k shards',
  targets: {
    'P10-diff': { on: 'ratio', op: '>=', threshold: 2 },
    'P10-health-10k': { on: 'value', op: '<=', threshold: 2000 },
  },
  async run(ctx) {
    return [await diffBench(ctx), await healthBench(ctx)];
  },
};
export default bench;

async function diffBench(ctx: Parameters<Benchmark['run']>[0]) {
  const times = 100;
  const perTime = ctx.n(10_000, 100);
  const distinct = ctx.n(100_000, 100);
  const [t1, t2] = [24, 74];
  const dir = ctx.sandboxDir();

  const rows = consolidationBatches(times, perTime, distinct, 101);
  const db = updatesDb(dir, 'diff');
  for (const batch of rows) insertRows(db, batch);
  db.close();

  const client = await PersistClient.openSandbox(join(dir, 'engine.sqlite'), { compactionEnabled: false });
  const shard = newShardId();
  const w = await client.openWriter(shard, strings);
  for (let t = 0; t < times; t++) {
    const builder = w.builder([t]);
    for (const u of rows[t]) await builder.add(u[0], u[1], u[2], u[3]);
    const res = await w.compareAndAppendBatch([await builder.finish([t + 1])], [t], [t + 1]);
    if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
  }
  const inWindow = rows.slice(t1 + 1, t2 + 1).reduce((n, b) => n + b.length, 0);
  rows.length = 0;

  const conn = openDb(join(dir, 'diff.sqlite'));
  const query = conn.prepare('SELECT key, val, sum(diff) AS d FROM updates WHERE time > ? AND time <= ? GROUP BY key, val HAVING d != 0').raw();
  let sqliteRows = 0;
  let engineRows = 0;
  try {
    const [sqlite, engine] = await timePair(
      { warmup: 1, runs: ctx.runs },
      { setup: () => undefined, fn: () => void (sqliteRows = query.all(t1, t2).length) },
      { setup: () => undefined, fn: async () => void (engineRows = (await client.admin.diff(shard, { from: t1, to: t2, limit: Infinity })).rows.length) },
    );
    if (sqliteRows !== engineRows) throw new Error(`results differ: SQLite ${sqliteRows} rows, engine ${engineRows}`);
    ctx.log(`${inWindow} updates in (${t1}, ${t2}] -> ${engineRows} rows; sqlite ${sqlite.samples.map((s) => s.toFixed(0)).join('/')} ms, engine ${engine.samples.map((s) => s.toFixed(0)).join('/')} ms`);
    return result('P10-diff', perSecond(inWindow, engine.ms), 'rows/s', 'SQLite WHERE time in (t1, t2] GROUP BY key, val sum(diff)', perSecond(inWindow, sqlite.ms));
  } finally {
    conn.close();
    await client.close();
  }
}

async function healthBench(ctx: Parameters<Benchmark['run']>[0]) {
  const shards = ctx.n(10_000, 100);
  const dir = ctx.sandboxDir();
  const path = join(dir, 'location.sqlite');
  const builder = await PersistClient.openSandbox(path, { compactionEnabled: false });
  const t0 = performance.now();
  // Handles kept open so that their leases stay in state while health runs.
  for (let i = 0; i < shards; i++) {
    const id = newShardId();
    const w = await builder.openWriter(id, { ...strings, diagnostics: { shardName: `table-${i}`, handlePurpose: 'loader' } });
    await w.compareAndAppend([[`k${i}`, 'v', 0, 1]], [0], [1]);
    if (i % 10 === 0) await builder.openLeasedReader(id, strings);
    else await w.expire();
  }
  ctx.log(`built ${shards} shards in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const raw = openDb(path);
  const heads = raw.prepare('SELECT c.key, c.data FROM consensus c JOIN (SELECT key, max(seqno) AS s FROM consensus GROUP BY key) h ON c.key = h.key AND c.seqno = h.s').raw();
  let findings = 0;
  let checked = 0;
  try {
    const sqlite = await time({ warmup: 1, runs: ctx.runs }, () => undefined, () => void heads.all());
    const runs = Math.min(ctx.runs, 3);
    const engine = await time(
      { warmup: 0, runs },
      () => PersistClient.openSandbox(path, { compactionEnabled: false }),
      async (c) => {
        const h = await c.admin.locationHealth();
        checked = h.shards.length;
        findings = h.counts.error + h.counts.warning + h.counts.info;
      },
      (c) => c.close(),
    );
    if (checked !== shards) throw new Error(`health saw ${checked} of ${shards} shards`);
    ctx.log(`health of ${checked} shards (${findings} findings): ${engine.samples.map((s) => s.toFixed(0)).join('/')} ms; raw heads ${sqlite.ms.toFixed(0)} ms`);
    return result('P10-health-10k', engine.ms, 'ms', 'raw SQLite: read every shard head', sqlite.ms);
  } finally {
    raw.close();
    await builder.close();
  }
}
