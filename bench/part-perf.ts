// Throughput of the part data plane. Run: npx tsx bench/part-perf.ts [reps]
// Prints the best (and median) of reps runs of each measurement, in wall-clock time and in this
// process's CPU time (which other processes on a shared machine do not inflate as much; it also
// counts V8's background GC threads).
import { UpdateArena } from '../engine/part/arena.js';
import { decodePart, encodePart } from '../engine/part/encode.js';
import { mergePartsSync, mergeRuns, type MergeRun } from '../engine/part/merge.js';
import type { PartColumns } from '../engine/part/types.js';

import { rng } from '../engine/testing/rng.js';

const REPS = Number(process.argv[2] ?? 5);
const N = 1_000_000;

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

interface Stat {
  best: number;
  median: number;
  cpuBest: number;
}

async function measure(reps: number, fn: () => unknown): Promise<Stat> {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { best: ms[0], median: ms[ms.length >> 1], cpuBest: cpu[0] };
}

const rate = (rows: number, ms: number) => `${(rows / ms / 1000).toFixed(2)}M/s`;
function line(name: string, rows: number, s: Stat, target?: string): void {
  const wall = `${s.best.toFixed(1).padStart(7)} ms ${rate(rows, s.best).padStart(9)} (median ${rate(rows, s.median)})`;
  const cpu = `cpu ${s.cpuBest.toFixed(1).padStart(7)} ms ${rate(rows, s.cpuBest).padStart(9)}`;
  console.log(`${name.padEnd(52)} ${wall}  ${cpu}${target ? `  [target ${target}]` : ''}`);
}

// 1e6 random 16-byte keys and values. Each update gets fresh views (as a builder gets fresh
// arrays from codecs, one update at a time), so "add" includes creating two Uint8Arrays per update.
const pool = randomBytes(N * 32, 1);
const times = Float64Array.from(randomBytes(N, 2), (x) => x & 15);

function fillArena(a: UpdateArena): void {
  for (let i = 0; i < N; i++) {
    const o = i * 32;
    a.add(pool.subarray(o, o + 16), pool.subarray(o + 16, o + 32), times[i], 1);
  }
}

async function arena(): Promise<void> {
  console.log(`\n## UpdateArena (${N} updates, random 16-byte keys and values)`);
  let cols: PartColumns | null = null;
  line('add x1e6', N, await measure(REPS, () => fillArena(new UpdateArena())));
  const filled = new UpdateArena();
  fillArena(filled);
  line('sortAndConsolidate', N, await measure(REPS, () => filled.sortAndConsolidate()), '>= 3M/s');
  line(
    'add + sortAndConsolidate + encodePart (end to end)',
    N,
    await measure(REPS, () => {
      const a = new UpdateArena();
      fillArena(a);
      encodePart(a.sortAndConsolidate(), 'perf');
    }),
    '>= 2M/s',
  );
  const reused = new UpdateArena();
  line(
    'same, arena reused with clear() (no growth)',
    N,
    await measure(REPS, () => {
      reused.clear();
      fillArena(reused);
      encodePart(reused.sortAndConsolidate(), 'perf');
    }),
    '>= 2M/s',
  );
  cols = filled.sortAndConsolidate();
  const sorted = new UpdateArena();
  for (let i = 0; i < cols.len; i++) {
    sorted.add(
      cols.keys.data.subarray(cols.keys.offsets[i], cols.keys.offsets[i + 1]),
      cols.vals.data.subarray(cols.vals.offsets[i], cols.vals.offsets[i + 1]),
      cols.times[i],
      cols.diffs[i],
    );
  }
  line('sortAndConsolidate, already sorted input', N, await measure(REPS, () => sorted.sortAndConsolidate()));
  // Keys with a long common prefix and few distinct bytes (string ids).
  const enc = new TextEncoder();
  const ids = new UpdateArena();
  const r = rng(3);
  for (let i = 0; i < N; i++) {
    ids.add(enc.encode(`user:${String((r() * N) | 0).padStart(10, '0')}`), pool.subarray(0, 8), (r() * 4) | 0, 1);
  }
  line('sortAndConsolidate, keys "user:00000xxxxx"', N, await measure(REPS, () => ids.sortAndConsolidate()));
}

async function codec(): Promise<void> {
  console.log(`\n## encodePart / decodePart`);
  const a = new UpdateArena();
  fillArena(a);
  const cols = a.sortAndConsolidate();
  let bytes = encodePart(cols, 'perf');
  line(`encodePart ${cols.len} rows (${(bytes.length / 1e6).toFixed(1)} MB)`, cols.len, await measure(REPS, () => (bytes = encodePart(cols, 'perf'))));
  line(`decodePart ${cols.len} rows`, cols.len, await measure(REPS, () => decodePart('perf', bytes)), '>= 10M/s');

  const one: PartColumns = {
    len: 1,
    keys: { offsets: new Int32Array([0, 16]), data: pool.subarray(0, 16) },
    vals: { offsets: new Int32Array([0, 16]), data: pool.subarray(16, 32) },
    times: new Float64Array([1]),
    diffs: new Float64Array([1]),
  };
  const small = encodePart(one, 'one');
  const iters = 5000;
  for (let i = 0; i < 2000; i++) decodePart('one', encodePart(one, 'one')); // warm up
  const enc1 = await measure(REPS, () => {
    for (let i = 0; i < iters; i++) encodePart(one, 'one');
  });
  const dec1 = await measure(REPS, () => {
    for (let i = 0; i < iters; i++) decodePart('one', small);
  });
  const us = (s: Stat) =>
    `${((s.best / iters) * 1000).toFixed(1)} µs (median ${((s.median / iters) * 1000).toFixed(1)} µs, cpu ${((s.cpuBest / iters) * 1000).toFixed(1)} µs)`;
  console.log(`${'encodePart 1 row'.padEnd(52)} ${us(enc1)}  [target well under 100 µs]`);
  console.log(`${'decodePart 1 row'.padEnd(52)} ${us(dec1)}`);
  console.log(`${'1-row part size'.padEnd(52)} ${small.length} bytes for 32 bytes of key+value (+16 of time/diff)`);
}

/** Parts of about N/k rows each: keys from `keys` distinct values, times in [0, 1000). */
function mergeInput(k: number, keys: number): PartColumns[] {
  const keyPool = randomBytes(keys * 16, 4);
  const val = pool.subarray(0, 16);
  const r = rng(5 + k);
  const parts: PartColumns[] = [];
  for (let j = 0; j < k; j++) {
    const a = new UpdateArena();
    for (let i = 0; i < N / k; i++) {
      const key = (r() * keys) | 0;
      a.add(keyPool.subarray(key * 16, key * 16 + 16), val, (r() * 1000) | 0, r() < 0.5 ? 1 : -1);
    }
    parts.push(a.sortAndConsolidate());
  }
  return parts;
}

async function merge(): Promise<void> {
  console.log(`\n## merge + consolidate (${N} updates over 100k distinct keys, advanced to the since)`);
  for (const k of [4, 16]) {
    const parts = mergeInput(k, 100_000);
    const rows = parts.reduce((n, p) => n + p.len, 0);
    let outRows = 0;
    const sync = await measure(REPS, () => {
      outRows = mergePartsSync(
        parts.map((cols) => ({ cols, timeLower: 0, timeUpper: Infinity })),
        { advanceTo: 1000, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER },
      ).len;
    });
    line(`mergePartsSync, ${k} parts, ${rows} rows -> ${outRows}`, rows, sync, '>= 2M/s');
    const async = await measure(REPS, async () => {
      const runs: MergeRun[] = parts.map((p) => {
        let done = false;
        return { timeLower: 0, timeUpper: Infinity, nextPart: async () => (done ? null : ((done = true), p)) };
      });
      for await (const chunk of mergeRuns(runs, { advanceTo: 1000, consolidate: true, chunkRows: 16384 })) void chunk;
    });
    line(`mergeRuns (16k-row chunks), ${k} parts`, rows, async, '>= 2M/s');
    // Snapshot-style: filter t <= 500, advance to 500: about half the rows survive the filter.
    const snap = await measure(REPS, () =>
      mergePartsSync(
        parts.map((cols) => ({ cols, timeLower: 0, timeUpper: 501 })),
        { advanceTo: 500, consolidate: true, chunkRows: Number.MAX_SAFE_INTEGER },
      ),
    );
    line(`mergePartsSync snapshot (t <= 500), ${k} parts`, rows, snap);
  }
}

await arena();
await codec();
await merge();
