// Damaged sandbox files, opened by the router (as the app does) and by the CLI: every read is a
// clear error or the correct data — never wrong data, never a hang, never a re-initialised file.
// Bounded: ~100 random byte flips, truncations, damaged head rows, a dropped table, swapped parts.
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as cli } from '../../engine/cli/commands.js';
import { codecs, PersistClient } from '../../engine/index.js';
import { tempDir } from '../../engine/testing/util.js';
import { RuntimeHost } from '../host/runtime-host.js';
import { WebLocationPolicy } from '../location-policy.js';
import { rng } from '../../engine/testing/rng.js';
import { Router, type Session } from './router.js';

const CLEAR = ['BadRequest', 'NotFound', 'InvalidUsage', 'CorruptData', 'Location', 'Since', 'Closed'];
const HANG_MS = 30_000;

let tmp: { dir: string; cleanup: () => void };
let original: string;
let host: RuntimeHost;
let router: Router;
const session: Session = { send: () => undefined };
// A fixed id: the flipped positions then land on the same kind of bytes run after run.
const shard = 's00000000-0000-4000-8000-000000000014';
const healthy = 's00000000-0000-4000-8000-000000000015';
let expected: { rows: unknown; upper: unknown; since: unknown; updates: number };
let expectedCli: { upper: unknown; since: unknown; updates: number };
let n = 0;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_r, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what} did not finish in ${HANG_MS} ms`)), HANG_MS))),
  ]);
}

type Outcome = { error: string } | { data: typeof expected };

/** Opens the file through the router and reads the shard: an error (which must be clear) or its data. */
async function readByRouter(file: string): Promise<Outcome> {
  const opened = await router.invoke(session, 'locations.open', { kind: 'sandbox', path: file });
  if (!opened.ok) return clear(opened.error);
  const location = (opened.value as { id: string }).id;
  try {
    const list = await router.invoke(session, 'shards.list', { location });
    if (!list.ok) return clear(list.error);
    const entry = (list.value as { id: string; error?: { code: string; message: string } }[]).find((s) => s.id === shard);
    if (!entry) return { error: 'the shard is not listed' }; // its consensus rows are gone: reported as absent
    if (entry.error) return clear(entry.error);
    const snap = await router.invoke(session, 'shard.snapshot', { location, shard, asOf: null, offset: 0, limit: 1000 });
    if (!snap.ok) return clear(snap.error);
    const detail = await router.invoke(session, 'shard.inspect', { location, shard });
    if (!detail.ok) return clear(detail.error);
    const s = (detail.value as { summary: { upper: unknown; since: unknown; updates: number } }).summary;
    return { data: { rows: (snap.value as { rows: unknown }).rows, upper: s.upper, since: s.since, updates: s.updates } };
  } finally {
    await router.invoke(session, 'locations.close', { location });
  }
}

function clear(e: { code: string; message: string }): Outcome {
  expect(CLEAR, `unclear error ${e.code}: ${e.message}`).toContain(e.code);
  expect(e.message).not.toMatch(/Maximum call stack|undefined is not|Cannot read prop/);
  return { error: `${e.code}: ${e.message}` };
}

async function readByCli(file: string): Promise<{ error: string } | { data: typeof expectedCli }> {
  const out: string[] = [];
  try {
    await cli(new Command().exitOverride(), ['node', 'shardscope', 'inspect', 'state', shard, '--sandbox', file, '--json'], (s) => out.push(s));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    expect(msg).not.toMatch(/Maximum call stack|undefined is not|Cannot read prop/);
    expect(msg.length).toBeGreaterThan(0);
    return { error: msg };
  }
  const s = JSON.parse(out.join('\n')) as { upper: unknown; since: unknown; stats: { updates: number } };
  return { data: { upper: s.upper, since: s.since, updates: s.stats.updates } };
}

/** Both readers on one damaged copy: each a clear error or exactly the original data. */
async function check(file: string, what: string): Promise<{ routerError: boolean; cliError: boolean }> {
  const r = await read(file, what);
  if (r.wrong) expect.fail(r.wrong);
  return r;
}

async function read(file: string, what: string): Promise<{ routerError: boolean; cliError: boolean; wrong: string | null }> {
  const r = await withTimeout(readByRouter(file), `router on ${what}`);
  const c = await withTimeout(readByCli(file), `CLI on ${what}`);
  const wrongRouter = 'data' in r && JSON.stringify(r.data) !== JSON.stringify(expected);
  const wrongCli = 'data' in c && JSON.stringify(c.data) !== JSON.stringify(expectedCli);
  const wrong = wrongRouter || wrongCli ? `wrong data on ${what}: ${wrongRouter ? `router upper ${(r as { data: typeof expected }).data.upper}` : ''} ${wrongCli ? `CLI upper ${(c as { data: typeof expectedCli }).data.upper}` : ''}, expected upper ${expected.upper}` : null;
  return { routerError: 'error' in r, cliError: 'error' in c, wrong };
}

/** The shard's consensus seqnos in a file (a flipped key or seqno byte moves a row out of the sequence). */
function seqnos(file: string): string {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT seqno FROM consensus WHERE key = ? ORDER BY seqno').pluck().all(shard) as number[]).join(',');
    } finally {
      db.close();
    }
  } catch {
    return 'unreadable';
  }
}

const copy = (what: string): string => {
  const f = join(tmp.dir, `case-${n++}-${what.replace(/\W+/g, '-')}.sqlite`);
  copyFileSync(original, f);
  return f;
};

beforeAll(async () => {
  tmp = tempDir();
  original = join(tmp.dir, 'original.sqlite');
  // Parts in blob (no inline writes), a few rollups: every kind of stored thing is there to damage.
  const c = await PersistClient.openSandbox(original, { compactionEnabled: false, inlineWritesMaxBytes: 0, rollupThreshold: 3 });
  const [w] = await c.open(shard, { keyCodec: codecs.string, valCodec: codecs.string, diagnostics: { shardName: 'damaged', handlePurpose: 'test' } });
  for (let t = 0; t < 8; t++) await w.compareAndAppend([[`k${t}`, `value-${t}`.repeat(20), t, 1], [`k${t % 3}`, 'x', t, 1]], [t], [t + 1]);
  const [h] = await c.open(healthy, { keyCodec: codecs.string, valCodec: codecs.string, diagnostics: { shardName: 'healthy', handlePurpose: 'test' } });
  await h.compareAndAppend([['h', 'ok', 0, 1]], [0], [1]);
  await c.close();
  host = new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: `mem://corrupt-${process.pid}`, consensus: `mem://corrupt-${process.pid}` },
    defaultChosenByUser: true,
    recentsFile: null,
    demo: false,
    engineConfig: { compactionEnabled: false },
    policy: new WebLocationPolicy({ allowDirs: [tmp.dir], allowCreate: false, allowRemote: false }),
  });
  await host.start();
  router = new Router(host, () => undefined);
  const r = await readByRouter(copy('pristine'));
  if (!('data' in r)) throw new Error(`the pristine sandbox did not read: ${r.error}`);
  expected = r.data;
  const cl = await readByCli(copy('pristine-cli'));
  if (!('data' in cl)) throw new Error(`the pristine sandbox did not read in the CLI: ${cl.error}`);
  expectedCli = cl.data;
  expect(expected.updates).toBeGreaterThan(0);
});

afterAll(async () => {
  router?.closeAll();
  await host?.close();
  tmp.cleanup();
});

describe('damaged sandbox files', () => {
  it('100 copies with random byte flips: a clear error or the correct data, never wrong data', async () => {
    const rand = rng(Number(process.env.CORRUPT_SEED ?? 14));
    const size = statSync(original).size;
    let errors = 0;
    let gaps = 0;
    const pristineSeqnos = seqnos(original);
    for (let i = 0; i < 100; i++) {
      const f = copy(`flip${i}`);
      const bytes = readFileSync(f);
      const flips = 1 + Math.floor(rand() * 4);
      const at: number[] = [];
      for (let k = 0; k < flips; k++) {
        const pos = Math.floor(rand() * size);
        bytes[pos] ^= 1 + Math.floor(rand() * 255);
        at.push(pos);
      }
      writeFileSync(f, bytes);
      if (process.env.CORRUPT_TRACE) writeFileSync(process.env.CORRUPT_TRACE, `${i} ${at.join(',')} ${f}\n`, { flag: 'a' });
      // A flip in a state row's key or seqno moves it out of the shard's sequence: counted, and
      // read like every other copy (a clear error, never an older state, never a hang).
      const now = seqnos(f);
      if (now !== 'unreadable' && now !== pristineSeqnos) gaps++;
      const r = await read(f, `flip ${i} at ${at.join(',')}`);
      if (r.routerError) errors++;
      if (r.wrong) expect.fail(r.wrong);
    }
    console.log(`byte flips: ${errors} of 100 copies were reported damaged, the rest read correctly; ${gaps} had a state row moved out of the seqno sequence`);
  });

  it.each([0, 1, 50, 100, 1024, 4096, -4096, -1])('a copy truncated to %i bytes (negative: from the end) is reported, not re-initialised', async (len) => {
    const f = copy(`trunc${len}`);
    const size = statSync(f).size;
    const keep = len < 0 ? size + len : len;
    truncateSync(f, keep);
    const r = await check(f, `truncation to ${keep} bytes`);
    if (keep < 4096) {
      expect(r.routerError).toBe(true);
      expect(r.cliError).toBe(true);
    }
    expect(statSync(f).size).toBe(keep);
  });

  it('a 0- or 1-byte file is named in the error with what is wrong', async () => {
    for (const len of [0, 1]) {
      const f = copy(`tiny${len}`);
      truncateSync(f, len);
      const r = await router.invoke(session, 'locations.open', { kind: 'sandbox', path: f });
      expect(r.ok).toBe(false);
      const e = (r as { error: { message: string } }).error.message;
      expect(e).toMatch(/not a SQLite sandbox file|too few for a SQLite database/);
      expect(e).toContain(f);
      expect(statSync(f).size).toBe(len);
    }
  });

  it('a sandbox whose consensus table is gone is an error naming the table, and stays as it was', async () => {
    const f = copy('no-consensus');
    const db = new Database(f);
    db.exec('DROP TABLE consensus');
    db.close();
    const before = readFileSync(f);
    const r = await check(f, 'dropped consensus table');
    expect(r.routerError && r.cliError).toBe(true);
    const opened = await router.invoke(session, 'locations.open', { kind: 'sandbox', path: f });
    expect((opened as { error: { message: string } }).error.message).toMatch(/not a sandbox \(no consensus table\)/);
    expect(readFileSync(f).equals(before)).toBe(true);
  });

  it.each([
    ['zeroed', (len: number) => Buffer.alloc(len)],
    ['random bytes', (len: number) => Buffer.from(Array.from({ length: len }, (_, i) => (i * 131 + 7) & 0xff))],
    ['truncated', (len: number) => Buffer.alloc(Math.max(1, len >> 1), 0x7b)],
    ['empty', () => Buffer.alloc(0)],
  ])('a damaged head row (%s): the shard is listed with its error, other reads are clear errors', async (_what, damage) => {
    const f = copy(`head-${_what}`);
    const db = new Database(f);
    const row = db.prepare('SELECT seqno, length(data) AS len FROM consensus WHERE key = ? ORDER BY seqno DESC LIMIT 1').get(shard) as { seqno: number; len: number };
    db.prepare('UPDATE consensus SET data = ? WHERE key = ? AND seqno = ?').run(damage(row.len), shard, row.seqno);
    db.close();
    const r = await check(f, `head row ${_what}`);
    expect(r.routerError).toBe(true);
    // shards.list: the healthy shard as usual, the damaged one listed with its error.
    const opened = (await router.invoke(session, 'locations.open', { kind: 'sandbox', path: f })) as { ok: true; value: { id: string } };
    const list = (await router.invoke(session, 'shards.list', { location: opened.value.id })) as { ok: true; value: { id: string; upper: unknown; error?: { code: string; message: string } }[] };
    await router.invoke(session, 'locations.close', { location: opened.value.id });
    expect(list.ok).toBe(true);
    expect(list.value.find((x) => x.id === healthy)).toMatchObject({ upper: 1 });
    expect(list.value.find((x) => x.id === healthy)!.error).toBeUndefined();
    const bad = list.value.find((x) => x.id === shard)!;
    expect(CLEAR).toContain(bad.error!.code);
    expect(bad.error!.message.length).toBeGreaterThan(0);
  });

  it('a missing part blob: a clear error when the data is read', async () => {
    const f = copy('missing-part');
    const db = new Database(f);
    const keys = db.prepare('SELECT key FROM blob').pluck().all() as string[];
    const part = keys.find((k) => !/rollup/.test(k)) ?? keys[0];
    db.prepare('DELETE FROM blob WHERE key = ?').run(part);
    db.close();
    const r = await check(f, `missing blob ${part}`);
    expect(r.routerError).toBe(true);
  });

  // Two valid parts swapped each pass their own checksum: only parts bound to their keys (the part
  // header names its key) tell them apart.
  it('two swapped parts: a clear error or the correct data', async () => {
    const f = copy('swapped');
    const db = new Database(f);
    const parts = db.prepare("SELECT key, value FROM blob WHERE key NOT LIKE '%rollup%' ORDER BY key").all() as { key: string; value: Buffer }[];
    expect(parts.length).toBeGreaterThan(1);
    const [a, b] = [parts[0], parts[parts.length - 1]];
    db.prepare('UPDATE blob SET value = ? WHERE key = ?').run(b.value, a.key);
    db.prepare('UPDATE blob SET value = ? WHERE key = ?').run(a.value, b.key);
    db.close();
    await check(f, 'swapped parts');
  });

  it('a state row missing from the middle of the seqno sequence: a clear error', async () => {
    const f = copy('seqno-gap');
    const db = new Database(f);
    const all = db.prepare('SELECT seqno FROM consensus WHERE key = ? ORDER BY seqno').pluck().all(shard) as number[];
    db.prepare('DELETE FROM consensus WHERE key = ? AND seqno = ?').run(shard, all[Math.floor(all.length / 2)]);
    db.close();
    await check(f, 'a seqno gap');
  });

  // The replay stops at the gap; a head it cannot reach must be a clear error, and the
  // compare-and-set loop bounded (it once spun here without yielding).
  it('a state row missing just below the head: a clear error, no hang', async () => {
    const f = copy('gap-below-head');
    const db = new Database(f);
    const all = db.prepare('SELECT seqno FROM consensus WHERE key = ? ORDER BY seqno').pluck().all(shard) as number[];
    db.prepare('DELETE FROM consensus WHERE key = ? AND seqno = ?').run(shard, all[all.length - 3]);
    db.close();
    await check(f, 'a seqno gap below the head');
  });
});
