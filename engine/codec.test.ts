import { afterEach, describe, expect, it } from 'vitest';
import { codecs, InvalidUsageError, newShardId, PersistClient } from './index.js';
import { memClient, strings } from './testing/util.js';

const clients: PersistClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

async function shard(config = {}) {
  const c = await memClient({ compactionEnabled: false, ...config });
  clients.push(c);
  const id = newShardId();
  const [w, r] = await c.open(id, strings);
  return { c, id, w, r };
}

async function rejection(p: Promise<unknown>): Promise<InvalidUsageError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InvalidUsageError);
  return e as InvalidUsageError;
}

// Well-formed strings that a lossy codec would change: byte-order marks, the replacement
// character itself, astral characters, NUL, and the largest code point.
const exact = ['\ufeffadmin', '\ufeff', '\ufeff\ufeffx', 'a\ufeffb', '\ufffd', '😀', 'x😀y', '\u0000', '\u{10ffff}', '', 'é'];
const illFormed = ['\ud800', 'a\udc00', '\ud83d', 'x\ude00y', '\udc00\ud800', `${'a'.repeat(100)}\ud800`];

describe('the string codec', () => {
  for (const inline of [true, false]) {
    it(`round-trips every well-formed string exactly through a shard (${inline ? 'inline' : 'blob'} parts)`, async () => {
      const { w, r } = await shard({ inlineWritesMaxBytes: inline ? 4096 : 0 });
      const updates = exact.map((s, i) => [s, `${s}|${i}`, 0, 1] as const);
      expect(await w.compareAndAppend(updates, [0], [1])).toEqual({ ok: true });
      const got = await r.snapshotAndFetch([0]);
      const want = updates.map(([k, v, t, d]) => [k, v, t, d]);
      const key = (u: readonly unknown[]) => JSON.stringify(u);
      expect(got.map(key).sort()).toEqual(want.map(key).sort());
      // Exactly: the same UTF-16 code units, a leading U+FEFF included.
      const admin = got.find((u) => u[1].startsWith('\ufeffadmin|'))!;
      expect(admin[0]).toBe('\ufeffadmin');
      expect(admin[0].length).toBe(6);
    });
  }

  it('rejects ill-formed strings (lone surrogates) as keys or values, and writes nothing', async () => {
    const { w, r } = await shard();
    for (const bad of illFormed) {
      for (const u of [[bad, 'v', 0, 1], ['k', bad, 0, 1]] as const) {
        const e = await rejection(w.compareAndAppend([['fine', 'v', 0, 1], u], [0], [1]));
        expect(e.kind).toBe('InvalidArgument');
        expect(e.message).toMatch(/ill-formed/);
      }
    }
    expect(await w.fetchRecentUpper()).toEqual([0]);
    expect(await w.compareAndAppend([['fine', 'v', 0, 1]], [0], [1])).toEqual({ ok: true });
    expect(await r.snapshotAndFetch([0])).toEqual([['fine', 'v', 0, 1]]);
  });

  it('encode and encodeInto reject ill-formed strings, decode rejects bytes that are not UTF-8', () => {
    const dst = new Uint8Array(1024);
    for (const bad of illFormed) {
      expect(() => codecs.string.encode(bad)).toThrow(InvalidUsageError);
      expect(() => codecs.string.encodeInto!(bad, dst, 0)).toThrow(InvalidUsageError);
    }
    for (const s of exact) {
      expect(codecs.string.decode(codecs.string.encode(s))).toBe(s);
      const n = codecs.string.encodeInto!(s, dst, 3);
      expect(codecs.string.decode(dst.subarray(3, 3 + n))).toBe(s);
    }
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0x61, 0x80]]) {
      expect(() => codecs.string.decode(new Uint8Array(bytes))).toThrow();
    }
  });
});

describe('BatchBuilder.add', () => {
  it('rejects bad input with a promise, never throwing synchronously, and the builder goes on', async () => {
    const { w, r } = await shard();
    const b = w.builder([5]);
    const calls: [string, string, number, number, string][] = [
      ['k', 'v', 4, 1, 'UpdateNotBeyondLower'],
      ['k', 'v', -1, 1, 'InvalidTimestamp'],
      ['k', 'v', 5, 1.5, 'InvalidDiff'],
      ['k', 'v', 5, Number.MAX_SAFE_INTEGER + 1, 'InvalidDiff'],
      ['\ud800', 'v', 5, 1, 'InvalidArgument'],
      [42 as unknown as string, 'v', 5, 1, 'InvalidArgument'],
    ];
    for (const [k, v, t, d, kind] of calls) {
      let p!: Promise<void>;
      expect(() => {
        p = b.add(k, v, t, d);
      }).not.toThrow();
      expect((await rejection(p)).kind).toBe(kind);
    }
    await b.add('k', 'v', 5, 1);
    const batch = await b.finish([6]);
    expect(await w.compareAndAppend([], [0], [5])).toEqual({ ok: true });
    expect(await w.compareAndAppendBatch([batch], [5], [6])).toEqual({ ok: true });
    expect(await r.snapshotAndFetch([5])).toEqual([['k', 'v', 5, 1]]);
    // After finish, add rejects too.
    let late!: Promise<void>;
    expect(() => {
      late = b.add('k', 'v', 5, 1);
    }).not.toThrow();
    await rejection(late);
  });
});
