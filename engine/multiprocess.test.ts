import { spawnTsx } from './testing/child.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newShardId, PersistClient } from './index.js';
import { strings, tempDir } from './testing/util.js';

const CHILD = join(import.meta.dirname, 'testing', 'append-child.ts');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function startWriter(path: string, shard: string, count: number, tag: string, big = 0) {
  const acks: { key: string; time: number }[] = [];
  const w = spawnTsx(CHILD, [path, shard, String(count), tag, String(big)], (l) => {
    const [kind, key, time] = l.split(' ');
    if (kind === 'ack') acks.push({ key, time: Number(time) });
  });
  return { ...w, acks };
}

async function checkShard(path: string, shard: string, acked: { key: string }[]) {
  const c = await PersistClient.openSandbox(path);
  try {
    const r = await c.openLeasedReader(shard, strings);
    const info = await c.inspectShard(shard);
    const upper = info.upper[0] as number;
    const data = upper > 0 ? await r.snapshotAndFetch([upper - 1]) : [];
    const counts = new Map<string, number>();
    for (const [k, , , d] of data) if (!k.includes('/pad')) counts.set(k, (counts.get(k) ?? 0) + d);
    for (const { key } of acked) expect(counts.get(key), key).toBe(1);
    for (const d of counts.values()) expect(d).toBe(1);
    // Every retained version decodes, and the upper never moved backwards.
    let prev = 0;
    const { earliestRetained } = await c.admin.gcStatus(shard);
    for (let seqno = earliestRetained; seqno <= info.seqno; seqno++) {
      const s = await c.inspectShard(shard, { seqno });
      const u = s.upper.length ? (s.upper[0] as number) : Infinity;
      expect(u).toBeGreaterThanOrEqual(prev);
      prev = u;
    }
    return { counts, info };
  } finally {
    await c.close();
  }
}

describe('several OS processes on one sandbox file', () => {
  it('two writers append concurrently: every acknowledged append is there exactly once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const shard = newShardId();
    const a = startWriter(path, shard, 60, 'a', 20);
    const b = startWriter(path, shard, 60, 'b', 20);
    const codes = await Promise.all([a.exited, b.exited]);
    expect(codes, a.stderr() + b.stderr()).toEqual([0, 0]);
    expect(a.acks).toHaveLength(60);
    expect(b.acks).toHaveLength(60);
    // No two acknowledged appends took the same time slot.
    const times = [...a.acks, ...b.acks].map((x) => x.time);
    expect(new Set(times).size).toBe(120);
    const { counts } = await checkShard(path, shard, [...a.acks, ...b.acks]);
    expect(counts.size).toBe(120);
  });

  it('a writer killed with SIGKILL mid-write loses nothing it acknowledged and leaves state decodable', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'sandbox.sqlite');
    const shard = newShardId();
    const w = startWriter(path, shard, 100_000, 'k', 200);
    await new Promise<void>((res, rej) => {
      const timer = setInterval(() => {
        if (w.acks.length >= 40) {
          clearInterval(timer);
          w.child.kill('SIGKILL');
          res();
        }
      }, 2);
      w.exited.then(() => rej(new Error(`child exited early: ${w.stderr()}`)));
    });
    await w.exited;
    const acked = [...w.acks];
    const { counts } = await checkShard(path, shard, acked);
    expect(counts.size).toBeGreaterThanOrEqual(acked.length);
    // The shard is still writable after the crash.
    const c = await PersistClient.openSandbox(path);
    const wr = await c.openWriter(shard, strings);
    const upper = await wr.fetchRecentUpper();
    expect(await wr.compareAndAppend([['after', 'crash', upper[0] as number, 1]], upper, [(upper[0] as number) + 1])).toEqual({ ok: true });
    await c.close();
  });
});
