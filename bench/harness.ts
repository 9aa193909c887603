// Shared benchmark harness: timing (warmup + median of N), sandbox directories that are always
// cleaned up, child processes for memory benchmarks, the results file merge and the table print.
// Benchmarks report ratios against a baseline measured in the same run, never absolute
// timings checked by a test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = dirname(BENCH_DIR);
export const RESULTS_PATH = join(BENCH_DIR, 'results.json');

/** One row of bench/results.json. `ratio` is always value / baselineValue. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
}

/** A target from the issue: on the value itself or on the ratio to the baseline. */
export interface Target {
  on: 'value' | 'ratio';
  op: '>=' | '<=';
  threshold: number;
}

export interface BenchContext {
  /** --quick: 1% sizes, a smoke test that the benchmarks still run (figures are meaningless) */
  readonly quick: boolean;
  /** `full` scaled down to 1% (at least `min`) in quick mode */
  n(full: number, min?: number): number;
  /** Measured runs for a timing (median of these); 1 in quick mode. */
  readonly runs: number;
  /** A fresh temporary directory, removed when the benchmark ends (or the process exits). */
  sandboxDir(): string;
  log(msg: string): void;
}

export interface Benchmark {
  /** `P1`, `P2`, ...: what `npm run bench -- P1` selects */
  readonly id: string;
  readonly title: string;
  readonly targets: Readonly<Record<string, Target>>;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export function result(
  name: string,
  value: number,
  unit: string,
  baseline: string,
  baselineValue: number,
): BenchResult {
  return { name, value, unit, baseline, baselineValue, ratio: baselineValue === 0 ? NaN : value / baselineValue };
}

// ---------------------------------------------------------------------------------------------
// statistics and timing

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export interface Timing {
  /** median wall time of the measured runs, ms */
  ms: number;
  samples: number[];
}

/**
 * Runs `setup` (untimed) then `fn` (timed) `warmup` times unmeasured and `runs` times measured;
 * returns the median. `setup`'s return value is passed to `fn`, and `teardown` runs untimed after.
 */
export async function time<S>(
  opts: { warmup: number; runs: number },
  setup: (i: number) => Promise<S> | S,
  fn: (s: S, i: number) => Promise<void> | void,
  teardown?: (s: S, i: number) => Promise<void> | void,
): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    const s = await setup(i);
    const t0 = performance.now();
    await fn(s, i);
    const ms = performance.now() - t0;
    if (teardown) await teardown(s, i);
    if (i >= opts.warmup) samples.push(ms);
  }
  return { ms: median(samples), samples };
}

/**
 * Times two contenders alternately (baseline, engine, baseline, engine, ...) so that noise from
 * other tenants of the machine hits both alike. Returns the median of each.
 */
export async function timePair<A, B>(
  opts: { warmup: number; runs: number },
  a: { setup: (i: number) => Promise<A> | A; fn: (s: A, i: number) => Promise<void> | void; teardown?: (s: A, i: number) => Promise<void> | void },
  b: { setup: (i: number) => Promise<B> | B; fn: (s: B, i: number) => Promise<void> | void; teardown?: (s: B, i: number) => Promise<void> | void },
): Promise<[Timing, Timing]> {
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    for (const [c, out] of [
      [a, sa],
      [b, sb],
    ] as const) {
      const s = await (c.setup as (i: number) => unknown)(i);
      const t0 = performance.now();
      await (c.fn as (s: unknown, i: number) => unknown)(s, i);
      const ms = performance.now() - t0;
      if (c.teardown) await (c.teardown as (s: unknown, i: number) => unknown)(s, i);
      if (i >= opts.warmup) out.push(ms);
    }
  }
  return [
    { ms: median(sa), samples: sa },
    { ms: median(sb), samples: sb },
  ];
}

export const perSecond = (count: number, ms: number): number => (count * 1000) / ms;

// ---------------------------------------------------------------------------------------------
// data

/** A fast deterministic PRNG (xorshift32) so runs are comparable and generation is cheap. */
export function rng(seed = 0x9e3779b9): () => number {
  let x = (Math.imul(seed >>> 0, 0x9e3779b9) ^ 0x5bd1e995) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  for (let i = 0; i < 16; i++) next(); // small seeds start with small outputs
  return next;
}

const HEX = '0123456789abcdef';

/** `count` random lowercase hex strings of `chars` characters each (flat, unsliced strings). */
export function randomHexStrings(count: number, chars: number, seed?: number): string[] {
  const next = rng(seed);
  const out: string[] = new Array(count);
  const buf = Buffer.allocUnsafe(chars);
  for (let i = 0; i < count; i++) {
    let word = 0;
    for (let j = 0; j < chars; j++) {
      if ((j & 7) === 0) word = next();
      buf[j] = HEX.charCodeAt(word & 15);
      word >>>= 4;
    }
    out[i] = buf.toString('latin1');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// sandboxes

const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
});

export function makeSandboxDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-bench-'));
  liveDirs.add(dir);
  return dir;
}

export function removeSandboxDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------
// child processes

export interface ChildOptions {
  /** --expose-gc for memory benchmarks */
  exposeGc?: boolean;
  /** resolve with the child's stdout lines as they arrive */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/**
 * Runs `node [--expose-gc] --import tsx <script> ...args` and resolves with the JSON object the
 * child printed last on a line starting with `RESULT `. Other output is passed to onLine.
 */
export function runChild<T>(script: string, args: readonly string[], opts: ChildOptions = {}): Promise<T> {
  const nodeArgs = [...(opts.exposeGc ? ['--expose-gc'] : []), '--import', 'tsx', join(BENCH_DIR, script), ...args];
  return new Promise<T>((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let found: T | undefined;
    let partial = '';
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${script} timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs)
      : null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (line.startsWith('RESULT ')) found = JSON.parse(line.slice(7)) as T;
        else opts.onLine?.(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0 && found !== undefined) resolve(found);
      else reject(new Error(`${script} exited with ${signal ?? code}${found === undefined ? ' without a RESULT line' : ''}\n${err.slice(-4000)}\n${out.slice(-2000)}`));
    });
  });
}

/** For a child script: print the result line runChild looks for. */
export function reportToParent(value: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(value)}\n`);
}

// ---------------------------------------------------------------------------------------------
// memory (inside a child started with --expose-gc)

export function fullGc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with --expose-gc');
  g();
  g();
}

export const MiB = 1024 * 1024;

/** Tracks peak RSS by sampling on a timer and at explicit points. */
export class RssTracker {
  readonly start: number;
  peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 10) {
    this.start = process.memoryUsage.rss();
    this.peak = this.start;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const r = process.memoryUsage.rss();
    if (r > this.peak) this.peak = r;
  }

  /** Stops sampling; returns the peak growth over the start, MiB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return (this.peak - this.start) / MiB;
  }
}

// ---------------------------------------------------------------------------------------------
// results file and table

/** Merges `results` into the file by name: other suites' entries are kept, ours replaced. */
export function mergeResults(results: readonly BenchResult[], path = RESULTS_PATH): BenchResult[] {
  let existing: BenchResult[] = [];
  if (existsSync(path)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (Array.isArray(parsed)) existing = parsed as BenchResult[];
    } catch {
      // An unreadable file is replaced rather than blocking the run.
    }
  }
  const byName = new Map(existing.map((r) => [r.name, r]));
  for (const r of results) byName.set(r.name, r);
  const merged = [...byName.values()];
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(tmp, path);
  return merged;
}

export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

export function fmtTarget(t: Target | undefined): string {
  if (!t) return '';
  return `${t.on === 'ratio' ? 'ratio' : 'value'} ${t.op} ${t.threshold}`;
}

export function meets(r: BenchResult, t: Target | undefined): boolean | null {
  if (!t) return null;
  const x = t.on === 'ratio' ? r.ratio : r.value;
  if (!Number.isFinite(x)) return false;
  return t.op === '>=' ? x >= t.threshold : x <= t.threshold;
}

export function formatTable(rows: readonly BenchResult[], targets: Readonly<Record<string, Target>>): string {
  const header = ['name', 'value', 'unit', 'baseline', 'baselineValue', 'ratio', 'target', 'met'];
  const body = rows.map((r) => {
    const t = targets[r.name];
    const m = meets(r, t);
    return [
      r.name,
      fmtNumber(r.value),
      r.unit,
      r.baseline,
      fmtNumber(r.baselineValue),
      Number.isFinite(r.ratio) ? r.ratio.toPrecision(3) : String(r.ratio),
      fmtTarget(t),
      m === null ? '' : m ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([1, 4, 5]);
  const line = (cells: string[]): string =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
