// `npm run bench [-- P1 P4] [-- --quick]`: runs the benchmarks (every bench/p<N>-*.ts exporting a
// default Benchmark), prints a table and merges the figures into bench/results.json by name.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BENCH_DIR,
  RESULTS_PATH,
  formatTable,
  makeSandboxDir,
  meets,
  mergeResults,
  removeSandboxDir,
  type BenchContext,
  type BenchResult,
  type Benchmark,
  type Target,
} from './harness.js';

function usage(): never {
  process.stderr.write('usage: npm run bench [-- [--quick] [P1 P2 ...]]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
let quick = false;
const selected = new Set<string>();
for (const a of args) {
  if (a === '--quick') quick = true;
  else if (a === '--help' || a === '-h') usage();
  else if (/^p\d+$/i.test(a)) selected.add(a.toUpperCase());
  else {
    process.stderr.write(`unknown argument ${a}\n`);
    usage();
  }
}

const files = readdirSync(BENCH_DIR)
  .filter((f) => /^p\d+-.*\.ts$/.test(f))
  .sort((a, b) => Number(a.slice(1, a.indexOf('-'))) - Number(b.slice(1, b.indexOf('-'))) || a.localeCompare(b));
const benches: Benchmark[] = [];
for (const f of files) {
  const id = f.slice(0, f.indexOf('-')).toUpperCase();
  if (selected.size > 0 && !selected.has(id)) continue;
  const mod = (await import(pathToFileURL(join(BENCH_DIR, f)).href)) as { default?: Benchmark };
  if (!mod.default || typeof mod.default.run !== 'function') {
    process.stderr.write(`${f}: no default Benchmark export, skipped\n`);
    continue;
  }
  benches.push(mod.default);
}
for (const id of selected) {
  if (!benches.some((b) => b.id === id)) process.stderr.write(`no benchmark ${id} in bench/\n`);
}
if (benches.length === 0) usage();

const results: BenchResult[] = [];
const targets: Record<string, Target> = {};
let failed = false;
const started = performance.now();
process.stdout.write(`shardscope benchmarks${quick ? ' (--quick: 1% sizes, figures are only a smoke test)' : ''}\n`);
for (const b of benches) {
  Object.assign(targets, b.targets);
  const dirs: string[] = [];
  const ctx: BenchContext = {
    quick,
    n: (full, min = 1) => (quick ? Math.max(min, Math.round(full / 100)) : full),
    runs: quick ? 1 : 5,
    sandboxDir: () => {
      const d = makeSandboxDir();
      dirs.push(d);
      return d;
    },
    log: (msg) => process.stdout.write(`  [${b.id}] ${msg}\n`),
  };
  const t0 = performance.now();
  process.stdout.write(`${b.id} ${b.title}\n`);
  try {
    const rs = await b.run(ctx);
    results.push(...rs);
    // Write as we go: a later benchmark that crashes does not lose earlier figures.
    if (!quick) mergeResults(rs);
  } catch (e) {
    failed = true;
    process.stdout.write(`  [${b.id}] FAILED: ${(e as Error)?.stack ?? String(e)}\n`);
  } finally {
    for (const d of dirs) removeSandboxDir(d);
  }
  process.stdout.write(`  [${b.id}] ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

process.stdout.write(`\n${formatTable(results, targets)}\n`);
const unmet = results.filter((r) => meets(r, targets[r.name]) === false).map((r) => r.name);
process.stdout.write(
  `\n${results.length} figures in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
    (quick ? 'quick mode: bench/results.json not written' : `merged into ${RESULTS_PATH}`) +
    (unmet.length ? `; targets not met: ${unmet.join(', ')}` : '; every target met') +
    '\n',
);
// Targets are reported, not enforced: only a benchmark that could not run fails the command.
if (failed) process.exitCode = 1;
