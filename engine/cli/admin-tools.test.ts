// The operator tools from a terminal: health (exit 1 on an error-level finding), diff, what-if,
// copy and save-sandbox-copy, run as the real CLI process.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newShardId, PersistClient } from '../index.js';
import { strings, tempDir } from '../testing/util.js';
import { cli } from './cli-run.test-util.js';

let dir: { dir: string; cleanup: () => void };
let healthy: string;
let sick: string;
const shard = newShardId();
const stalled = newShardId();
let stuck: PersistClient;

beforeAll(async () => {
  dir = tempDir();
  healthy = join(dir.dir, 'healthy.sqlite');
  sick = join(dir.dir, 'sick.sqlite');
  const c = await PersistClient.openSandbox(healthy, { inlineWritesMaxBytes: 0 });
  const w = await c.openWriter(shard, { ...strings, diagnostics: { shardName: 'orders', handlePurpose: 'cli-test' } });
  for (let t = 0; t < 6; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1], ['count', String(t), t, 1], ...(t ? [['count', String(t - 1), t, -1] as [string, string, number, number]] : [])], [t], [t + 1]);
  await w.expire();
  await c.close();
  // A writer that appended 30 minutes ago and still holds its (60 min) lease: the upper stalled.
  const MIN = 60_000;
  const past = await PersistClient.openSandbox(sick, { now: () => Date.now() - 30 * MIN, hostname: 'ingest-9' });
  const sw = await past.openWriter(stalled, { ...strings, diagnostics: { shardName: 'events', handlePurpose: 'kafka' } });
  await sw.compareAndAppend([['a', 'b', 0, 1]], [0], [1]);
  // Kept open until the end: closing would expire the writer, and it must look alive but stuck.
  stuck = past;
});
afterAll(async () => {
  await stuck.close();
  dir.cleanup();
});

describe('shardscope operator tools', () => {
  it('inspect health: exit 0 when healthy, 1 with an error-level finding that names the writer', async () => {
    const ok = await cli('inspect', 'health', '--sandbox', healthy);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('0 error(s)');
    const one = await cli('inspect', 'health', shard, '--sandbox', healthy);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('healthy');

    const bad = await cli('inspect', 'health', '--sandbox', sick, '--json');
    expect(bad.code).toBe(1);
    const h = JSON.parse(bad.stdout);
    expect(h.counts.error).toBe(1);
    const f = h.shards[0].findings.find((x: { kind: string }) => x.kind === 'upper-stalled');
    expect(f.blame[0]).toMatchObject({ role: 'writer', purpose: 'kafka', hostname: 'ingest-9' });
    const text = await cli('inspect', 'health', stalled, '--sandbox', sick);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('upper-stalled');
    expect(text.stdout).toContain(`admin expire-writer ${stalled}`);
    // A longer stall threshold: not stalled, exit 0.
    expect((await cli('inspect', 'health', stalled, '--sandbox', sick, '--stall-ms', String(3_600_000))).code).toBe(0);
  });

  it('inspect diff and what-if', async () => {
    const d = await cli('inspect', 'diff', shard, '--from', '1', '--to', '3', '--sandbox', healthy, '--json');
    expect(d.code).toBe(0);
    const rows = JSON.parse(d.stdout).rows.map((r: { key: string; val: string; diff: number }) => [r.key, r.val, r.diff]);
    expect(rows.sort()).toEqual([['count', '1', -1], ['count', '3', 1], ['k2', 'v', 1], ['k3', 'v', 1]].sort());
    const txt = await cli('inspect', 'diff', shard, '--from', '1', '--to', '3', '--sandbox', healthy);
    expect(txt.stdout).toContain('3 row(s) added (3), 1 removed (1)');
    const missing = await cli('inspect', 'diff', shard, '--to', '3', '--sandbox', healthy);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--from <t>'");
    const neg = await cli('inspect', 'diff', shard, '--from', 'x', '--to', '3', '--sandbox', healthy);
    expect(neg.code).not.toBe(0);

    const w = await cli('inspect', 'what-if', shard, '--since', '5', '--sandbox', healthy, '--json');
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ since: 5, lostAsOf: { from: 0, to: 5 }, after: { batches: 1, rows: 7 } });
  });

  it('copy a shard into a new sandbox, and save a copy of a sandbox', async () => {
    const home = join(dir.dir, 'home.sqlite');
    const c = await cli('copy', shard, '--from-sandbox', healthy, '--to-sandbox', home, '--as-of', '4');
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('copied 6 rows');
    const state = JSON.parse((await cli('inspect', 'state', shard, '--sandbox', home, '--json')).stdout);
    expect(state).toMatchObject({ name: 'orders', since: [4], upper: [5] });
    // The new sandbox was built beside and linked into place: nothing partial is left next to it.
    expect(readdirSync(dir.dir).filter((f) => f.includes('.partial'))).toEqual([]);
    const again = await cli('copy', shard, '--from-sandbox', healthy, '--to-sandbox', home);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists in the destination');
    const noSource = await cli('copy', shard, '--to-sandbox', home);
    expect(noSource.stderr).toContain('give the source');

    const saved = join(dir.dir, 'saved.sqlite');
    expect((await cli('save-sandbox-copy', '--sandbox', home, '--to', saved)).code).toBe(0);
    expect((await cli('inspect', 'shards', '--sandbox', saved)).stdout).toContain(shard);
  });
});
