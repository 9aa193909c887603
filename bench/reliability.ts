// `npm run reliability [-- --quick]`: the engine's reliability figures (issue 7), written to
// bench/reliability.json as [{ name, value, unit }] and printed as a table.
//   R1  writers SIGKILLed at random points of a sandbox file, then reopened and checked
//   R2  model steps on unreliable storage, writer and readers in two clients
//   R3  several processes appending to one sandbox file at once
// Full run: 200 kills, 10,000 model steps, 4 processes for 60 s. --quick: 20 kills, 1,000 steps,
// 10 s. Environment overrides: SHARDSCOPE_R1_KILLS, SHARDSCOPE_R2_STEPS, SHARDSCOPE_R3_SECONDS.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR } from './harness.js';
import { runR1 } from './reliability/r1-kills.js';
import { runR2 } from './reliability/r2-model.js';
import { runR3 } from './reliability/r3-processes.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export interface ReliabilityOptions {
  kills: number;
  steps: number;
  processes: number;
  seconds: number;
  log?: (s: string) => void;
}

export function reliabilityOptions(quick: boolean, env: NodeJS.ProcessEnv = process.env): ReliabilityOptions {
  return {
    kills: Number(env.SHARDSCOPE_R1_KILLS ?? (quick ? 20 : 200)),
    steps: Number(env.SHARDSCOPE_R2_STEPS ?? (quick ? 1000 : 10_000)),
    processes: 4,
    seconds: Number(env.SHARDSCOPE_R3_SECONDS ?? (quick ? 10 : 60)),
  };
}

export async function runReliability(o: ReliabilityOptions): Promise<{ figures: Figure[]; failures: Record<string, string[]> }> {
  const r1 = await runR1({ kills: o.kills, log: o.log });
  o.log?.(`R1 done: ${JSON.stringify(r1.killsByPhase)}`);
  const r2 = await runR2({ steps: o.steps, log: o.log });
  o.log?.(`R2 done: ${r2.steps} steps`);
  const r3 = await runR3({ processes: o.processes, seconds: o.seconds });
  o.log?.(`R3 done: ${r3.acked} acknowledged writes`);
  const figures: Figure[] = [
    { name: 'R1-kills', value: r1.kills, unit: 'kills' },
    { name: 'R1-acked-lost', value: r1.ackedLost, unit: 'writes' },
    { name: 'R1-unreadable-states', value: r1.unreadableStates, unit: 'checks' },
    { name: 'R1-duplicates', value: r1.duplicates, unit: 'keys' },
    { name: 'R2-model-steps', value: r2.steps, unit: 'steps' },
    { name: 'R2-violations', value: r2.violations, unit: 'sequences' },
    { name: 'R3-processes', value: r3.processes, unit: 'processes' },
    { name: 'R3-seconds', value: r3.seconds, unit: 's' },
    { name: 'R3-acked', value: r3.acked, unit: 'writes' },
    { name: 'R3-acked-lost', value: r3.ackedLost, unit: 'writes' },
    { name: 'R3-duplicates', value: r3.duplicates, unit: 'keys' },
    { name: 'R3-unreadable', value: r3.unreadable.length + r3.failures.length, unit: 'errors' },
  ];
  const failures = {
    R1: r1.failures,
    R2: r2.failures,
    R3: [...r3.unreadable, ...r3.failures],
  };
  return { figures, failures };
}

function table(figures: Figure[]): string {
  const w = Math.max(...figures.map((f) => f.name.length));
  return figures.map((f) => `${f.name.padEnd(w)}  ${String(f.value).padStart(8)}  ${f.unit}`).join('\n');
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length) {
    process.stderr.write(`unknown argument ${unknown[0]}\nusage: npm run reliability [-- --quick]\n`);
    process.exit(2);
  }
  const started = Date.now();
  const o = { ...reliabilityOptions(args.includes('--quick')), log: (s: string) => process.stderr.write(`${s}\n`) };
  const { figures, failures } = await runReliability(o);
  writeFileSync(join(BENCH_DIR, 'reliability.json'), `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`${table(figures)}\n`);
  // a few of each run here, every one in the log
  for (const [run, fs] of Object.entries(failures)) {
    if (fs.length === 0) continue;
    process.stdout.write(`\n${run} failures (${fs.length}${fs.length > 15 ? ', the first 15' : ''}):\n`);
    process.stdout.write(`${fs.slice(0, 15).map((f) => `  ${f.slice(0, 400)}`).join('\n')}\n`);
  }
  const log = join(BENCH_DIR, 'reliability-failures.log');
  writeFileSync(log, Object.entries(failures).flatMap(([run, fs]) => fs.map((f) => `${run} ${f}`)).join('\n') + '\n');
  process.stdout.write(`\nevery failure: ${log}\n`);
  process.stdout.write(`\n${((Date.now() - started) / 1000).toFixed(0)} s; written to bench/reliability.json\n`);
  // background timers of failed runs must not keep the process alive
  process.exit(0);
}
