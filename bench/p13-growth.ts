// P13: the growth curve (issue 13). How cost scales with the work already in a location:
//   G-small-append-p50-<N>b, G-consensus-bytes-<N>b   one-update append p50 and consensus bytes per
//       append on a shard holding N batches (compaction off, as P7), N = 100, 1k, 10k, 100k
//   G-snapshot-<N>                                     snapshotAndFetch rows/s of N updates, N = 1e5, 1e6
//   G-list-summary-<N>s                                listShards + inspectShard of each (what the
//       app's shard list does), N = 100, 1k, 10k shards in one location
// The baseline of each figure is the same figure at the smallest size, so `ratio` is how much it
// grew while the work grew 10x per step: a per-append or per-row figure should stay near 1, a
// whole-location figure near the size ratio; anything faster is a quadratic step.
//
// BENCH_GROWTH_FULL=1 adds 1e7 updates: too slow for this shared 2-core machine's runs, so off by
// default. The 100k-batch point is in the default run: an append no longer does work that grows
// with the batches in state, so building it is ~100k plain appends.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { median, percentile, randomHexStrings, result, type BenchResult, type Benchmark } from './harness.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };
const full = process.env.BENCH_GROWTH_FULL === '1';
const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

const bench: Benchmark = {
  id: 'P13',
  title: 'growth curve: small append and consensus bytes vs batches, snapshot vs updates, shard list vs shards',
  targets: {},
  async run(ctx) {
    const out: BenchResult[] = [];
    const dir = ctx.sandboxDir();
    const sizes = (xs: number[]) => [...new Set(xs.map((x) => ctx.n(x, 10)))];

    // --- small appends on a growing shard
    {
      const points = sizes([100, 1_000, 10_000, 100_000]);
      const measured = ctx.quick ? 8 : 64;
      const client = await PersistClient.openSandbox(join(dir, 'append.sqlite'), { compactionEnabled: false });
      try {
        // Warm the append path on a shard of its own first: otherwise the smallest point measures
        // the JIT, and the curve seems to fall as the shard grows.
        const warm = await client.openWriter(newShardId(), strings);
        for (let i = 0; i < ctx.n(1000, 20); i++) await warm.compareAndAppend([['w', 'w', i, 1]], [i], [i + 1]);
        await warm.expire();
        const shard = newShardId();
        const w = await client.openWriter(shard, strings);
        const keys = randomHexStrings(points[points.length - 1] + measured * points.length, 16, 131);
        let t = 0;
        const appendOne = async (): Promise<void> => {
          const res = await w.compareAndAppend([[keys[t], keys[t], t, 1]], [t], [t + 1]);
          if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
          t++;
        };
        const consensus = client.storage.consensus;
        const cas = consensus.compareAndSet.bind(consensus);
        let p50First = NaN;
        let bytesFirst = NaN;
        for (const n of points) {
          const t0 = performance.now();
          while (t < n) await appendOne(); // one batch per append (compaction is off)
          const buildMs = performance.now() - t0;
          let bytes = 0;
          consensus.compareAndSet = async (key, expected, data) => {
            const res = await cas(key, expected, data);
            if (res.ok && key === shard) bytes += data.data.length;
            return res;
          };
          const ms: number[] = [];
          for (let i = 0; i < measured; i++) {
            const a = performance.now();
            await appendOne();
            ms.push(performance.now() - a);
          }
          consensus.compareAndSet = cas;
          const p50 = median(ms);
          const perAppend = bytes / measured;
          if (Number.isNaN(p50First)) {
            p50First = p50;
            bytesFirst = perAppend;
          }
          ctx.log(`${n} batches (built in ${(buildMs / 1000).toFixed(1)} s): append p50 ${p50.toFixed(3)} ms, p99 ${percentile(ms, 99).toFixed(3)} ms, ${perAppend.toFixed(0)} consensus bytes/append`);
          out.push(result(`G-small-append-p50-${label(n)}b`, p50, 'ms', `the same at ${label(points[0])} batches`, p50First));
          out.push(result(`G-consensus-bytes-${label(n)}b`, perAppend, 'bytes', `the same at ${label(points[0])} batches`, bytesFirst));
        }
      } finally {
        await client.close();
      }
    }

    // --- consolidated snapshot of N updates (one batch; N/4 distinct keys so it consolidates)
    {
      const points = sizes(full ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000]);
      let first = NaN;
      for (const n of points) {
        const client = await PersistClient.openSandbox(join(dir, `snap-${n}.sqlite`), { compactionEnabled: false });
        try {
          const [w, r] = await client.open(newShardId(), strings);
          const pool = randomHexStrings(Math.max(1, n >> 2), 16, 132);
          const b = w.builder([0]);
          for (let i = 0; i < n; i++) await b.add(pool[(Math.imul(i, 0x9e3779b1) >>> 0) % pool.length], 'v', 0, 1);
          const res = await w.compareAndAppendBatch([await b.finish([1])], [0], [1]);
          if (!res.ok) throw new Error('append failed');
          const runs = n >= 1e7 ? 1 : 3;
          const ms: number[] = [];
          let rows = 0;
          for (let i = 0; i < 1 + runs; i++) {
            const a = performance.now();
            rows = (await r.snapshotAndFetch([0])).length;
            if (i > 0) ms.push(performance.now() - a);
          }
          const rate = (n * 1000) / median(ms);
          if (Number.isNaN(first)) first = rate;
          ctx.log(`snapshot of ${n} updates (${rows} rows): ${ms.map((x) => x.toFixed(0)).join('/')} ms, ${Math.round(rate)} rows/s`);
          out.push(result(`G-snapshot-${label(n)}`, rate, 'rows/s', `the same at ${label(points[0])} updates`, first));
        } finally {
          await client.close();
        }
      }
    }

    // --- listShards + a summary (inspectShard) of each, on a location with N shards
    {
      const points = sizes([100, 1_000, 10_000]); // 10k shards build in ~10 s, so always measured
      const client = await PersistClient.openSandbox(join(dir, 'shards.sqlite'), { compactionEnabled: false });
      try {
        let have = 0;
        let first = NaN;
        for (const n of points) {
          for (; have < n; have++) {
            const w = await client.openWriter(newShardId(), strings);
            const res = await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
            if (!res.ok) throw new Error('append failed');
            await w.expire();
          }
          const ms: number[] = [];
          for (let i = 0; i < 1 + (ctx.quick ? 1 : 3); i++) {
            const a = performance.now();
            const ids = await client.listShards();
            for (const id of ids) await client.inspectShard(id);
            if (ids.length < n) throw new Error(`listShards found ${ids.length} of ${n} shards`);
            if (i > 0) ms.push(performance.now() - a);
          }
          const m = median(ms);
          if (Number.isNaN(first)) first = m;
          ctx.log(`${n} shards: listShards + inspectShard of each ${m.toFixed(0)} ms (${(m / n).toFixed(2)} ms/shard)`);
          out.push(result(`G-list-summary-${label(n)}s`, m, 'ms', `the same at ${label(points[0])} shards`, first));
        }
      } finally {
        await client.close();
      }
    }
    return out;
  },
};
export default bench;
