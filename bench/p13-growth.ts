// P13: the growth curve (issue 13). How cost scales with the work already in a location:
//   G-small-append-p50-<N>b, G-consensus-bytes-<N>b   one-update append p50 and consensus bytes per
//       append on a shard holding N batches (compaction off, as P7), N = 100, 1k, 10k, 100k
//   G-snapshot-<N>                                     snapshotAndFetch rows/s of N updates, N = 1e5, 1e6, 1e7
//   G-list-summary-<N>s                                listShards + inspectShard of each (what the
//       app's shard list does), N = 100, 1k, 10k shards in one location
// The baseline of each figure is the same figure at the smallest size, so `ratio` is how much it
// grew while the work grew 10x per step: a per-append or per-row figure should stay near 1, a
// whole-location figure near the size ratio; anything faster is a quadratic step.
//
// Every point is in the default run (about 1.5 min on 2 cores): an append no longer does work that
// grows with the batches in state, so the 100k-batch shard is ~100k plain appends.
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { median, percentile, randomHexStrings, result, rng, type BenchResult, type Benchmark } from './harness.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };
/**
 * count distinct 16-char hex keys in ascending order, spread over the key space by random gaps:
 * sorted without a sort, with prefixes about as varied as random keys' (the merge compares the
 * first 6 bytes as a number first).
 */
function sortedHexKeys(count: number, seed: number): string[] {
  const next = rng(seed);
  const gap = Math.floor(2 ** 53 / count); // steps in [1, gap]: every key stays an exact double
  const out: string[] = new Array(count);
  let k = 0;
  for (let i = 0; i < count; i++) {
    k += 1 + ((next() * 2 ** 21 + (next() >>> 11)) % gap);
    out[i] = k.toString(16).padStart(14, '0') + (next() & 255).toString(16).padStart(2, '0');
  }
  return out;
}

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

    // --- consolidated snapshot of N updates: 4 appends, each of the same N/4 keys once (each
    // batch one sorted run), read back consolidated to N/4 rows. The work per update is the same
    // at every size: a row read from blob, a 4-way merge step, a quarter of an output row. (One
    // batch of N updates over N/4 keys, as before, was not: the builder consolidates what fits
    // in one arena, so 1e5 updates were stored as 25k rows and read as one part, while 1e6 were
    // 739k rows in 5 runs: 3x the rows read per update, which the curve showed as a step.)
    {
      const points = sizes([100_000, 1_000_000, 10_000_000]);
      const appends = 4;
      let first = NaN;
      for (const n of points) {
        const client = await PersistClient.openSandbox(join(dir, `snap-${n}.sqlite`), { compactionEnabled: false });
        try {
          const [w, r] = await client.open(newShardId(), strings);
          const keys = sortedHexKeys(Math.max(1, Math.floor(n / appends)), 132);
          const b0 = performance.now();
          for (let a = 0; a < appends; a++) {
            const b = w.builder([a]);
            for (const k of keys) await b.add(k, 'v', a, 1);
            const res = await w.compareAndAppendBatch([await b.finish([a + 1])], [a], [a + 1]);
            if (!res.ok) throw new Error('append failed');
          }
          const buildMs = performance.now() - b0;
          const stored = (await client.inspectShard(r.shardId)).stats.updates;
          const runs = n >= 1e7 ? 1 : 3;
          const ms: number[] = [];
          let rows = 0;
          for (let i = 0; i < 1 + runs; i++) {
            const a = performance.now();
            rows = (await r.snapshotAndFetch([appends - 1])).length;
            if (i > 0) ms.push(performance.now() - a);
          }
          const rate = (stored * 1000) / median(ms);
          if (Number.isNaN(first)) first = rate;
          ctx.log(
            `snapshot of ${stored} updates in ${appends} appends (built in ${(buildMs / 1000).toFixed(1)} s) -> ${rows} rows: ` +
              `${ms.map((x) => x.toFixed(0)).join('/')} ms, ${Math.round(rate)} rows/s`,
          );
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
