// The features specs' helpers: build a health situation from another process, and read the
// result back through the engine's own CLI (what an operator, or monitoring, would see).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appRoot } from './hosts';

const run = promisify(execFile);

export type Situation = 'silent-reader' | 'held-part' | 'stalled-writer' | 'compaction-debt' | 'gc-behind' | 'leaked-blobs' | 'finalizable';

export async function buildSituation(sandboxFile: string, kind: Situation, name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(appRoot, 'e2e/features-situation.ts'), kind, sandboxFile, name], { cwd: appRoot });
  return (JSON.parse(stdout) as { shard: string }).shard;
}

/** `shardscope <args> --sandbox <file> --json`: its JSON and exit code (1 is an answer, not a failure). */
export async function cli<T>(sandboxFile: string, args: string[]): Promise<{ json: T; code: number }> {
  const argv = ['--import', 'tsx', join(appRoot, 'engine/cli/main.ts'), ...args, '--sandbox', sandboxFile, '--json'];
  try {
    const { stdout } = await run(process.execPath, argv, { cwd: appRoot, maxBuffer: 64 * 1024 * 1024 });
    return { json: JSON.parse(stdout) as T, code: 0 };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (err.code === 1 && err.stdout) return { json: JSON.parse(err.stdout) as T, code: 1 };
    throw new Error(`shardscope ${args.join(' ')} failed (${err.code}): ${err.stderr ?? ''}`);
  }
}

export interface CliHealth {
  shard: string;
  severity: string;
  findings: { kind: string; severity: string; blame: { id: string; purpose: string }[] }[];
}

/** The engine's health of one shard, as `shardscope inspect health <shard> --json` gives it. */
export const cliHealth = (sandboxFile: string, shard: string) => cli<CliHealth>(sandboxFile, ['inspect', 'health', shard]);
