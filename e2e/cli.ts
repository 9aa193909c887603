// Checks through the engine's own CLI, not the UI: what the app did to a shard is read back the
// way an operator (or another process) would see it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appRoot } from './hosts';

const run = promisify(execFile);

export interface CliState {
  since: number[];
  upper: number[];
  seqno: number;
  leasedReaders: { id: string; purpose: string; since: number[] }[];
  criticalReaders: { id: string; purpose: string; since: number[] }[];
}

/** `shardscope inspect state <shard> --sandbox <file> --json` */
export async function inspectState(sandboxFile: string, shard: string): Promise<CliState> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(appRoot, 'engine/cli/main.ts'), 'inspect', 'state', shard, '--sandbox', sandboxFile, '--json'], {
    cwd: appRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CliState;
}

/** `shardscope export <shard> --as-of T --sandbox <file>`: the shard's consolidated rows at T. */
export async function exportRows(sandboxFile: string, shard: string, asOf: number): Promise<{ key: string; val: string; time: number; diff: number }[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(appRoot, 'engine/cli/main.ts'), 'export', shard, '--as-of', String(asOf), '--sandbox', sandboxFile], {
    cwd: appRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

/** Builds a sandbox file with one shard (see e2e/make-shard.ts); returns the shard's id. */
export async function makeShard(file: string, kind: 'batches' | 'rows', n: number, name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(appRoot, 'e2e/make-shard.ts'), file, kind, String(n), name], { cwd: appRoot });
  return stdout.trim();
}
