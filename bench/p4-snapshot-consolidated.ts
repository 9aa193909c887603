// P4: consolidated snapshot. snapshotAndFetch of 1e6 updates over 100k distinct keys, written as
// 10 appends of 1e5 (keys random among 100k, 4 small values, diffs +-1), against SQLite
// SELECT key, val, sum(diff) ... GROUP BY key, val on the same rows. Both in input rows/s.
//
// Background compaction is off for this shard's client so that the read consolidates all 10
// batches, the same work the GROUP BY does (with it on, the read would race the compactor's
// worker for the 2 cores and see a varying number of pre-merged batches).
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { perSecond, result, timePair, type Benchmark } from './harness.js';
import { consolidationBatches, groupBy, insertRows, openDb, updatesDb } from './sqlite-baselines.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P4',
  title: 'consolidated snapshot: snapshotAndFetch vs SQLite GROUP BY',
  targets: { 'P4-snapshot-consolidated': { on: 'ratio', op: '>=', threshold: 4 } },
  async run(ctx) {
    const batches = 10;
    const perBatch = ctx.n(100_000, 100);
    const distinct = ctx.n(100_000, 100);
    const total = batches * perBatch;
    const dir = ctx.sandboxDir();

    const rows = consolidationBatches(batches, perBatch, distinct, 41);
    const db = updatesDb(dir, 'groupby');
    for (const batch of rows) insertRows(db, batch);
    db.close();

    const client = await PersistClient.openSandbox(join(dir, 'engine.sqlite'), { compactionEnabled: false });
    const shard = newShardId();
    const [w, r] = await client.open(shard, strings);
    for (let b = 0; b < batches; b++) {
      const builder = w.builder([b]);
      for (const u of rows[b]) await builder.add(u[0], u[1], u[2], u[3]);
      const res = await w.compareAndAppendBatch([await builder.finish([b + 1])], [b], [b + 1]);
      if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
    }
    rows.length = 0;
    const asOf = batches - 1;

    let sqliteRows = 0;
    let engineRows = 0;
    // One connection for every run: the baseline reads from a warm page cache, like the engine.
    const conn = openDb(join(dir, 'groupby.sqlite'));
    try {
      const [sqlite, engine] = await timePair(
        { warmup: 1, runs: ctx.runs },
        {
          setup: () => undefined,
          fn: () => void (sqliteRows = groupBy(conn).length),
        },
        {
          setup: () => undefined,
          fn: async () => void (engineRows = (await r.snapshotAndFetch([asOf])).length),
        },
      );
      if (sqliteRows !== engineRows) throw new Error(`results differ: SQLite ${sqliteRows} rows, engine ${engineRows}`);
      ctx.log(`${total} updates -> ${engineRows} consolidated rows; sqlite ${sqlite.samples.map((s) => s.toFixed(0)).join('/')} ms, engine ${engine.samples.map((s) => s.toFixed(0)).join('/')} ms`);
      return [
        result(
          'P4-snapshot-consolidated',
          perSecond(total, engine.ms),
          'rows/s',
          'SQLite GROUP BY key, val sum(diff)',
          perSecond(total, sqlite.ms),
        ),
      ];
    } finally {
      conn.close();
      await client.close();
    }
  },
};
export default bench;
