import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newShardId, PersistClient } from '../index.js';
import { strings, tempDir } from '../testing/util.js';
import { cli, CLI_MAIN } from './cli-run.test-util.js';

function cliStdin(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => res({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

let dir: { dir: string; cleanup: () => void };
let sandbox: string;
beforeAll(() => {
  dir = tempDir();
  sandbox = join(dir.dir, 'data.sqlite');
});
afterAll(() => dir.cleanup());

async function upperOf(shard: string): Promise<unknown> {
  const c = await PersistClient.openSandbox(sandbox);
  try {
    return (await c.inspectShard(shard)).upper;
  } catch {
    return null;
  } finally {
    await c.close();
  }
}

describe('shardscope import / export / write', () => {
  it('imports a JSONL file through the sink with a progress bar, and exports it as JSONL and CSV', async () => {
    const shard = newShardId();
    const file = join(dir.dir, 'rows.jsonl');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k${i}`, val: i % 2 ? 'odd' : 'even, "quoted"', time: i % 5, diff: 1 }));
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli('import', shard, '--file', file, '--workers', '2', '--sandbox', sandbox);
    expect(r.stderr).toContain('100%');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3000 updates appended');
    expect(await upperOf(shard)).toEqual([5]);
    const ex = await cli('export', shard, '--as-of', '4', '--sandbox', sandbox);
    expect(ex.code).toBe(0);
    const rows = ex.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3000);
    expect(rows).toContainEqual({ key: 'k1', val: 'odd', time: 4, diff: 1 });
    const csv = await cli('export', shard, '--as-of', '4', '--format', 'csv', '--sandbox', sandbox);
    const csvLines = csv.stdout.trim().split('\n');
    expect(csvLines[0]).toBe('key,val,time,diff');
    expect(csvLines).toContain('k0,"even, ""quoted""",4,1');
    // the CSV export imports back into another shard as the same data
    const csvFile = join(dir.dir, 'back.csv');
    writeFileSync(csvFile, csv.stdout);
    const other = newShardId();
    expect((await cli('import', other, '--file', csvFile, '--sandbox', sandbox, '--no-progress')).code).toBe(0);
    const again = await cli('export', other, '--as-of', '4', '--format', 'csv', '--sandbox', sandbox);
    expect(again.stdout.trim().split('\n').sort()).toEqual(csvLines.sort());
  });

  it('a malformed row is reported with its line and nothing is appended', async () => {
    const shard = newShardId();
    const file = join(dir.dir, 'bad.jsonl');
    writeFileSync(file, [JSON.stringify({ key: 'a', val: 'b', time: 0, diff: 1 }), JSON.stringify({ key: 'c', val: 'd', time: 0, diff: 1 }), '{"key": "e", "val": 3, "time": 0}'].join('\n'));
    const r = await cli('import', shard, '--file', file, '--sandbox', sandbox);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('line 3: val must be a string, got 3');
    expect(await upperOf(shard)).toEqual([0]); // nothing appended
    const csv = join(dir.dir, 'bad.csv');
    writeFileSync(csv, 'key,val,time,diff\nx,y,1,1\nx,y,soon,1\n');
    const r2 = await cli('import', shard, '--file', csv, '--sandbox', sandbox);
    expect(r2.stderr).toContain('line 3: time must be an integer, got "soon"');
    const r3 = await cli('import', shard, '--file', join(dir.dir, 'rows.txt'), '--sandbox', sandbox);
    expect(r3.stderr).toContain('cannot tell the format');
  });

  it('write appends rows from stdin; export before the upper is refused clearly', async () => {
    const shard = newShardId();
    const w = await cliStdin('["a","1",0,1]\n["b","2",1,1]\n', 'write', shard, '--sandbox', sandbox, '--json');
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout)).toEqual({ shard, updates: 2, upper: [2] });
    const late = await cliStdin('["c","3",1,1]\n', 'write', shard, '--sandbox', sandbox);
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('line 1: time 1 is before the shard upper [2]');
    const ex = await cli('export', shard, '--as-of', '5', '--sandbox', sandbox);
    expect(ex.code).not.toBe(0);
    expect(ex.stderr).toContain('not readable yet');
  });
});
