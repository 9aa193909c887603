// P1: bulk append. 1e6 updates (16-char hex keys and values) through a batch builder and one
// compareAndAppendBatch into a sandbox file, against a better-sqlite3 bulk INSERT of the same rows
// in one transaction into a fresh file with the sandbox's pragmas (WAL, synchronous=NORMAL).
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { perSecond, randomHexStrings, result, timePair, type Benchmark } from './harness.js';
import { bulkInsert, updatesDb } from './sqlite-baselines.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P1',
  title: 'bulk append: builder + compareAndAppendBatch vs SQLite bulk INSERT',
  targets: { 'P1-bulk-append': { on: 'ratio', op: '>=', threshold: 2 } },
  async run(ctx) {
    const n = ctx.n(1_000_000, 1000);
    const keys = randomHexStrings(n, 16, 11);
    const vals = randomHexStrings(n, 16, 12);
    const dir = ctx.sandboxDir();

    const [sqlite, engine] = await timePair(
      { warmup: 1, runs: ctx.runs },
      {
        setup: (i) => updatesDb(dir, `bulk-${i}`),
        fn: (db) => bulkInsert(db, keys, vals, 0),
        teardown: (db) => void db.close(),
      },
      {
        setup: async (i) => {
          // A fresh sandbox file per run, like the baseline's fresh file.
          const client = await PersistClient.openSandbox(join(dir, `engine-${i}.sqlite`));
          const w = await client.openWriter(newShardId(), strings);
          return { client, w };
        },
        fn: async ({ w }) => {
          const b = w.builder([0]);
          for (let i = 0; i < n; i++) await b.add(keys[i], vals[i], 0, 1);
          const batch = await b.finish([1]);
          const res = await w.compareAndAppendBatch([batch], [0], [1]);
          if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
        },
        teardown: ({ client }) => client.close(),
      },
    );
    ctx.log(`sqlite ${sqlite.samples.map((s) => s.toFixed(0)).join('/')} ms, engine ${engine.samples.map((s) => s.toFixed(0)).join('/')} ms`);
    return [
      result(
        'P1-bulk-append',
        perSecond(n, engine.ms),
        'updates/s',
        'better-sqlite3 bulk INSERT, 1 txn, WAL+NORMAL',
        perSecond(n, sqlite.ms),
      ),
    ];
  },
};
export default bench;
