import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { blobConformance, consensusConformance, tempDir } from './conformance.test-util.js';
import { openSqlite, openSqliteBlob, openSqliteConsensus } from './sqlite.js';

const run = promisify(execFile);
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = () => join(tmp.dir, `${randomUUID()}.sqlite`);
const CHILD = join(import.meta.dirname, 'sqlite-child.test-util.ts');

function child(...args: string[]): Promise<{ stdout: string }> {
  return run(process.execPath, ['--import', 'tsx', CHILD, ...args], { maxBuffer: 16 << 20 });
}

/** A `race` child, started and held at the line until go(). */
function racer(f: string, n: number) {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, 'race', f, 'k', String(n)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  p.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<string[]>((resolve, reject) =>
    p.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`racer exited ${code}: ${err}`)))),
  );
  return { ready, done, go: () => p.stdin!.end('go\n') };
}

consensusConformance('sqlite', async () => {
  const f = file();
  return { a: openSqliteConsensus(f), b: openSqliteConsensus(f) };
});

blobConformance('sqlite', async () => {
  const f = file();
  const { consensus, blob } = openSqlite(f);
  await consensus.close();
  return { a: blob, b: openSqliteBlob(f) };
});

describe('SQLite location', () => {
  it('creates the file and its parent directories', async () => {
    const f = join(tmp.dir, 'a', 'b', 'c', 'x.sqlite');
    const { consensus, blob } = openSqlite(f);
    await blob.set('k', new Uint8Array([1]));
    await consensus.close();
    await blob.close();
    const again = openSqliteBlob(f);
    expect(await again.get('k')).toEqual(new Uint8Array([1]));
    await again.close();
  });

  it('names the path when it cannot be opened', () => {
    const dir = join(tmp.dir, 'adir');
    mkdirSync(dir);
    expect(() => openSqliteConsensus(dir)).toThrow(InvalidUsageError);
    expect(() => openSqliteConsensus(dir)).toThrow(/adir/);
    const blocker = join(tmp.dir, 'blocker');
    writeFileSync(blocker, 'x');
    expect(() => openSqliteConsensus(join(blocker, 'sub', 'x.sqlite'))).toThrow(/blocker/);
    expect(() => openSqliteConsensus(file(), { synchronous: 'SOMETIMES' as 'FULL' })).toThrow(InvalidUsageError);
  });

  it('refuses a file that is not a SQLite database', () => {
    const f = join(tmp.dir, 'garbage.sqlite');
    writeFileSync(f, Buffer.alloc(8192, 0x5a));
    expect(() => openSqlite(f)).toThrow(/not a SQLite database/);
  });

  it('reports damage found after opening as CorruptDataError naming the key', async () => {
    const f = file();
    const { consensus, blob } = openSqlite(f);
    await consensus.compareAndSet('shard', null, { seqno: 1, data: new Uint8Array(100_000).fill(7) });
    await blob.close();
    await consensus.close();
    // Overwrite everything past the first page (the schema) with garbage.
    const { openSync, writeSync, closeSync, fstatSync } = await import('node:fs');
    const fd = openSync(f, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.alloc(size - 4096, 0xee), 0, size - 4096, 4096);
    closeSync(fd);
    let c: ReturnType<typeof openSqliteConsensus> | null = null;
    try {
      c = openSqliteConsensus(f);
      await c.head('shard');
      expect.unreachable('damage went unnoticed');
    } catch (e) {
      console.log(`damaged file reported as: ${String(e)}`);
      expect(e instanceof CorruptDataError || e instanceof InvalidUsageError).toBe(true);
      expect(String(e)).toMatch(/shard|not a SQLite database|damaged/);
    } finally {
      await c?.close();
    }
  });

  it('two handles in one process share one connection and hear each other at once', async () => {
    const f = file();
    const a = openSqliteConsensus(f);
    const b = openSqliteConsensus(join(tmp.dir, '.', f.slice(tmp.dir.length + 1)));
    let fired = 0;
    b.watch('k', () => fired++);
    await a.compareAndSet('k', null, { seqno: 1, data: new Uint8Array() });
    await Promise.resolve();
    await Promise.resolve();
    expect(fired).toBe(1);
    await a.close();
    // The connection stays open for b.
    expect((await b.head('k'))?.seqno).toBe(1);
    await b.close();
  });

  it('two processes racing on one file: one winner per seqno, a gapless chain, no lost writes', async () => {
    const f = file();
    await openSqliteConsensus(f).close(); // create the file before the racers start
    const N = 500;
    const racers = [racer(f, N), racer(f, N)];
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.go();
    const lines = await Promise.all(racers.map((r) => r.done));
    const field = (l: string[], name: string) => l.find((x) => x.startsWith(`${name} `))!.split(' ').slice(1);
    const won = lines.map((l) => field(l, 'won').map(Number));
    const ms = Math.max(...lines.map((l) => Number(field(l, 'ms')[0])));
    const lost = lines.map((l) => Number(field(l, 'lost')[0]));
    console.log(
      `two processes racing: ${2 * N} compare-and-sets won in ${ms.toFixed(0)} ms ` +
        `(${Math.round((2 * N) / (ms / 1000))} per second), mismatches ${lost.join(' + ')}`,
    );
    // They really raced: their runs overlapped in time (monotonic clock, shared by processes).
    const spans = lines.map((l) => field(l, 'span').map(BigInt));
    expect(spans[0][0] < spans[1][1] && spans[1][0] < spans[0][1]).toBe(true);
    expect(won[0]).toHaveLength(N);
    expect(won[1]).toHaveLength(N);
    const all = [...won[0], ...won[1]].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    const c = openSqliteConsensus(f);
    const versions = await c.scan('k', 0, 10 * N);
    expect(versions.map((v) => v.seqno)).toEqual(all);
    // Every stored version is the one its winner wrote.
    const dec = new TextDecoder();
    const owner = new Map<number, string>();
    for (const v of versions) owner.set(v.seqno, dec.decode(v.data).split(':')[1]);
    for (const s of all) expect(owner.get(s)).toBe(String(s));
    await c.close();
  }, 120_000);

  for (const fsWatch of [true, false]) {
    it(`a watcher hears commits of another process (fsWatch ${fsWatch})`, async () => {
      const f = file();
      const c = openSqliteConsensus(f, { fsWatch });
      const latencies: number[] = [];
      const dec = new TextDecoder();
      let seen = 0;
      c.watch('k', () => {
        const now = process.hrtime.bigint();
        void c.head('k').then((h) => {
          if (!h || h.seqno <= seen) return;
          seen = h.seqno;
          latencies.push(Number(now - BigInt(dec.decode(h.data))) / 1e6);
        });
      });
      const N = 200;
      await child('write', f, 'k', String(N), '10');
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toBe(N);
      latencies.sort((x, y) => x - y);
      const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
      console.log(
        `cross-process watch latency (fsWatch ${fsWatch}) over ${latencies.length} commits: ` +
          `p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, p99 ${p(0.99)} ms`,
      );
      expect(Number(p(0.5))).toBeLessThan(50);
      await c.close();
    }, 60_000);
  }

  it('raw compare-and-set rate', async () => {
    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      const c = openSqliteConsensus(file(), { synchronous });
      const data = new Uint8Array(200);
      const N = 2000;
      const start = performance.now();
      for (let i = 1; i <= N; i++) await c.compareAndSet('k', i === 1 ? null : i - 1, { seqno: i, data });
      const rate = N / ((performance.now() - start) / 1000);
      console.log(`sequential SQLite compare-and-set, synchronous=${synchronous}: ${Math.round(rate)} per second`);
      expect(rate).toBeGreaterThan(100);
      await c.close();
    }
  }, 60_000);
});
