// P2: small appends. compareAndAppend of one update at a time (each its own CAS of the shard's
// state), against raw SQLite compare-and-set transactions (BEGIN IMMEDIATE; SELECT max(seqno);
// INSERT (key, seqno, ~1 KiB blob); COMMIT) at the sandbox's synchronous setting.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { median, percentile, perSecond, randomHexStrings, result, type Benchmark } from './harness.js';
import { RawCas, SANDBOX_SYNCHRONOUS } from './sqlite-baselines.js';

const ROUND_MS = 2000;
const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P2',
  title: 'small append: compareAndAppend of 1 update vs raw SQLite CAS txn',
  targets: {
    'P2-small-append': { on: 'ratio', op: '>=', threshold: 0.5 },
    'P2-small-append-p50': { on: 'value', op: '<=', threshold: 0.1 },
  },
  async run(ctx) {
    const engineOps = ctx.n(3000, 50);
    const rawOps = ctx.n(10000, 100);
    const warmup = ctx.n(300, 10);
    const dir = ctx.sandboxDir();
    const keys = randomHexStrings(warmup + engineOps * ctx.runs, 16, 21);
    const vals = randomHexStrings(keys.length, 16, 22);

    const raw = new RawCas(dir, SANDBOX_SYNCHRONOUS);
    const client = await PersistClient.openSandbox(join(dir, 'engine.sqlite'));
    const w = await client.openWriter(newShardId(), strings);
    let t = 0;
    let next = 0;
    const appendOne = async (): Promise<void> => {
      const i = next++;
      const res = await w.compareAndAppend([[keys[i], vals[i], t, 1]], [t], [t + 1]);
      if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
      t++;
    };

    try {
      raw.run(warmup);
      for (let i = 0; i < warmup; i++) await appendOne();

      const rawRates: number[] = [];
      const engineRates: number[] = [];
      const rawLat: number[] = [];
      const engineLat: number[] = [];
      for (let round = 0; round < ctx.runs; round++) {
        // Each round is bounded by ops and by time, so a slow engine cannot stretch the run.
        const r0 = performance.now();
        let rawDone = 0;
        while (rawDone < rawOps && performance.now() - r0 < ROUND_MS / 2) {
          rawLat.push(...raw.run(100));
          rawDone += 100;
        }
        rawRates.push(perSecond(rawDone, performance.now() - r0));

        const e0 = performance.now();
        let engineDone = 0;
        while (engineDone < engineOps && performance.now() - e0 < ROUND_MS) {
          const s = performance.now();
          await appendOne();
          engineLat.push(performance.now() - s);
          engineDone++;
        }
        engineRates.push(perSecond(engineDone, performance.now() - e0));
      }
      ctx.log(
        `engine p50/p90/p99 ${[50, 90, 99].map((p) => percentile(engineLat, p).toFixed(3)).join('/')} ms; ` +
          `raw CAS p50/p90/p99 ${[50, 90, 99].map((p) => percentile(rawLat, p).toFixed(3)).join('/')} ms`,
      );
      return [
        result('P2-small-append', median(engineRates), 'ops/s', `raw SQLite CAS txn/s (1 KiB, WAL+${SANDBOX_SYNCHRONOUS})`, median(rawRates)),
        result('P2-small-append-p50', percentile(engineLat, 50), 'ms', 'raw SQLite CAS txn p50', percentile(rawLat, 50)),
      ];
    } finally {
      raw.close();
      await client.close();
    }
  },
};
export default bench;
