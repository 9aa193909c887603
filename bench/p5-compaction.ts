// P5: compaction. forceCompaction of 1e6 updates spread over 16 batches (keys random among 100k,
// small values, diffs +-1, 16 distinct times) against SQLite GROUP BY of the same rows, both in
// input rows/s; and the main thread's event-loop delay p99 while compaction runs (the merge runs
// in a worker thread, so the main thread should stay responsive).
//
// Each timed run compacts a fresh copy of the shard: the shard is written once per run (untimed)
// with background compaction off, then forceCompaction is timed.
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { median, perSecond, result, type Benchmark } from './harness.js';
import { consolidationBatches, groupBy, insertRows, openDb, updatesDb } from './sqlite-baselines.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P5',
  title: 'compaction: forceCompaction of 16 batches vs SQLite GROUP BY; event-loop delay meanwhile',
  targets: {
    'P5-compaction': { on: 'ratio', op: '>=', threshold: 2 },
    'P5-eventloop-p99': { on: 'value', op: '<=', threshold: 10 },
  },
  async run(ctx) {
    const batches = 16;
    const perBatch = ctx.n(62_500, 100);
    const distinct = ctx.n(100_000, 100);
    const total = batches * perBatch;
    const dir = ctx.sandboxDir();
    const rows = consolidationBatches(batches, perBatch, distinct, 51);

    const db = updatesDb(dir, 'groupby');
    for (const batch of rows) insertRows(db, batch);
    db.close();
    const conn = openDb(join(dir, 'groupby.sqlite'));
    const sqliteMs: number[] = [];
    const engineMs: number[] = [];
    const p99s: number[] = [];
    let sqliteRows = 0;
    try {
      for (let run = 0; run < 1 + ctx.runs; run++) {
        let t0 = performance.now();
        sqliteRows = groupBy(conn).length;
        const s = performance.now() - t0;

        const client = await PersistClient.openSandbox(join(dir, `engine-${run}.sqlite`), { compactionEnabled: false });
        try {
          const shard = newShardId();
          const [w, r] = await client.open(shard, strings);
          for (let b = 0; b < batches; b++) {
            const builder = w.builder([b]);
            for (const u of rows[b]) await builder.add(u[0], u[1], u[2], u[3]);
            const res = await w.compareAndAppendBatch([await builder.finish([b + 1])], [b], [b + 1]);
            if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
          }
          // Let compaction advance times to the since, as background compaction would.
          await r.downgradeSince([batches - 1]);
          const delay = monitorEventLoopDelay({ resolution: 1 });
          delay.enable();
          t0 = performance.now();
          const { before, after } = await client.admin.forceCompaction(shard);
          const e = performance.now() - t0;
          delay.disable();
          if (before !== batches || after !== 1) throw new Error(`compaction went ${before} -> ${after} batches`);
          const consolidated = (await client.inspectShard(shard)).stats.updates;
          if (consolidated !== sqliteRows) throw new Error(`results differ: SQLite ${sqliteRows} rows, engine ${consolidated}`);
          if (run > 0) {
            sqliteMs.push(s);
            engineMs.push(e);
            p99s.push(delay.percentile(99) / 1e6);
          }
        } finally {
          await client.close();
        }
      }
    } finally {
      conn.close();
    }
    ctx.log(
      `${total} updates in ${batches} batches -> ${sqliteRows} rows; sqlite ${sqliteMs.map((x) => x.toFixed(0)).join('/')} ms, ` +
        `compaction ${engineMs.map((x) => x.toFixed(0)).join('/')} ms, event-loop p99 ${p99s.map((x) => x.toFixed(1)).join('/')} ms`,
    );
    const groupByRate = perSecond(total, median(sqliteMs));
    return [
      result('P5-compaction', perSecond(total, median(engineMs)), 'rows/s', 'SQLite GROUP BY key, val sum(diff)', groupByRate),
      // Baseline: the delay of an idle loop at the same resolution is ~1 ms; the SQLite GROUP BY
      // blocks the loop for its whole duration, which is what a main-thread compaction would do.
      result('P5-eventloop-p99', median(p99s), 'ms', 'main-thread block of the same GROUP BY (ms)', median(sqliteMs)),
    ];
  },
};
export default bench;
