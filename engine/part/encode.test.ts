import {
  Binary,
  Field,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  tableFromIPC,
  Uint32,
} from 'apache-arrow';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { emptyColumns } from './columns.js';
import { decodePart, encodePart, PART_HEADER_BYTES } from './encode.js';
import { colsOf, randBytes, randInt, rng, type Row, rowsOf, show, structureProblem } from './test-util.js';
import type { PartColumns } from './types.js';

const MAX = Number.MAX_SAFE_INTEGER;

function randomRows(seed: number, n: number): Row[] {
  const r = rng(seed);
  const special = [0, 1, MAX, MAX - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52, 2 ** 31];
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const klen = randInt(r, 4) === 0 ? 0 : randInt(r, 40);
    const vlen = randInt(r, 4) === 0 ? 0 : randInt(r, 300);
    const t = randInt(r, 3) === 0 ? special[randInt(r, special.length)] : randInt(r, 1e6);
    const dAbs = randInt(r, 3) === 0 ? special[randInt(r, special.length)] || 1 : randInt(r, 100) + 1;
    rows.push([randBytes(r, klen), randBytes(r, vlen), t, randInt(r, 2) ? -dAbs : dAbs]);
  }
  return rows;
}

/** Re-frames an Arrow stream as a part (valid header, length and checksum). */
function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(PART_HEADER_BYTES + payload.length);
  out.set(payload, PART_HEADER_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x31505353, true);
  v.setUint16(4, 1, true);
  v.setUint32(8, payload.length, true);
  v.setUint32(12, crc32(payload), true);
  return out;
}

function streamOf(fields: Field[], children: ReturnType<typeof makeData>[], length: number): Uint8Array {
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children });
  return RecordBatchStreamWriter.writeAll([new RecordBatch(new Schema(fields), struct)]).toUint8Array(true);
}

function expectCorrupt(fn: () => unknown, key: string): CorruptDataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptDataError);
    expect((e as CorruptDataError).key).toBe(key);
    expect((e as Error).message).toContain(key);
    return e as CorruptDataError;
  }
  throw new Error('expected a CorruptDataError');
}

describe('encodePart / decodePart', () => {
  it('round-trips random rows: empty keys and values, negative diffs, extreme times and diffs', () => {
    for (const [seed, n] of [
      [1, 1],
      [2, 7],
      [3, 500],
      [4, 3000],
    ]) {
      const rows = randomRows(seed, n);
      const bytes = encodePart(colsOf(rows), 'k1');
      expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('SSP1');
      const back = decodePart('k1', bytes);
      expect(structureProblem(back)).toBeNull();
      expect(show(rowsOf(back))).toEqual(show(rows));
    }
  });

  it('round-trips the empty part and times near 2^53 - 1', () => {
    const empty = decodePart('e', encodePart(emptyColumns(), 'e'));
    expect(empty.len).toBe(0);
    expect(structureProblem(empty)).toBeNull();
    const rows: Row[] = [
      [new Uint8Array(0), new Uint8Array(0), MAX, -MAX],
      [new Uint8Array([0]), new Uint8Array(0), MAX - 1, MAX],
      [new Uint8Array([0, 0]), new Uint8Array([255]), 0, -1],
    ];
    expect(show(rowsOf(decodePart('x', encodePart(colsOf(rows), 'x'))))).toEqual(show(rows));
  });

  it('encodes columns whose offsets do not start at zero or whose arrays are longer than len', () => {
    const rows = randomRows(9, 20);
    const c = colsOf(rows);
    const shifted: PartColumns = {
      len: 10,
      keys: { offsets: c.keys.offsets.subarray(5, 16), data: c.keys.data },
      vals: { offsets: c.vals.offsets.subarray(5, 16), data: c.vals.data },
      times: c.times.subarray(5),
      diffs: c.diffs.subarray(5),
    };
    expect(show(rowsOf(decodePart('s', encodePart(shifted, 's'))))).toEqual(show(rows.slice(5, 15)));
  });

  it('into a reused scratch buffer: the same bytes as a fresh buffer, part after part', () => {
    // Bigger and smaller parts in turn: a smaller part must not keep a bigger one's bytes in its
    // padding, and one that outgrows the buffer gets a new one.
    const scratch = { buf: null as Uint8Array | null };
    for (const [seed, n] of [[1, 300], [2, 40], [3, 0], [4, 301], [5, 2000], [6, 7]] as const) {
      const cols = colsOf(randomRows(seed, n));
      const key = `shard/part-${seed}`;
      const fresh = encodePart(cols, key);
      const reused = encodePart(cols, key, scratch);
      expect(scratch.buf?.buffer).toBe(reused.buffer);
      expect(Buffer.compare(reused, fresh)).toBe(0);
      expect(show(rowsOf(decodePart(key, reused.slice())))).toEqual(show(rowsOf(cols)));
    }
  });

  it('writes a valid Arrow IPC stream: apache-arrow reads back the same rows', () => {
    for (const [seed, n] of [
      [21, 1],
      [22, 300],
    ] as const) {
      const rows = randomRows(seed, n);
      const bytes = encodePart(colsOf(rows), 'some/part/key');
      const payload = bytes.subarray(bytes.length - new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
      const table = tableFromIPC(payload);
      expect(table.schema.fields.map((f) => f.name)).toEqual(['k', 'v', 't', 'd']);
      expect(table.numRows).toBe(n);
      const got = table.toArray().map((r): Row => {
        const o = r.toJSON() as { k: Uint8Array; v: Uint8Array; t: bigint | number; d: bigint | number };
        return [new Uint8Array(o.k), new Uint8Array(o.v), Number(o.t), Number(o.d)];
      });
      expect(show(got)).toEqual(show(rows));
    }
  });

  it('stores times and diffs in the narrowest signed integer type that holds them', () => {
    const widthOf = (t: number, d: number, t2 = 0, d2 = 1): [number, number] => {
      const rows: Row[] = [
        [new Uint8Array([1]), new Uint8Array(0), t, d],
        [new Uint8Array([2]), new Uint8Array(0), t2, d2],
      ];
      const bytes = encodePart(colsOf(rows), 'w');
      expect(show(rowsOf(decodePart('w', bytes)))).toEqual(show(rows));
      const payload = bytes.subarray(bytes.length - new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
      const fields = tableFromIPC(payload).schema.fields;
      return [(fields[2].type as Int64).bitWidth, (fields[3].type as Int64).bitWidth];
    };
    expect(widthOf(0, 1)).toEqual([8, 8]);
    expect(widthOf(127, -128)).toEqual([8, 8]);
    expect(widthOf(128, -129)).toEqual([16, 16]);
    expect(widthOf(32767, -32768)).toEqual([16, 16]);
    expect(widthOf(32768, 32768)).toEqual([32, 32]);
    expect(widthOf(2 ** 31 - 1, -(2 ** 31))).toEqual([32, 32]);
    expect(widthOf(2 ** 31, -(2 ** 31) - 1)).toEqual([64, 64]);
    expect(widthOf(MAX, -MAX, 0, MAX)).toEqual([64, 64]);
  });

  it('decodes narrow integer columns written by apache-arrow itself, rejecting negative times', () => {
    const fields = [
      new Field('k', new Binary(), false),
      new Field('v', new Binary(), false),
      new Field('t', new Int16(), false),
      new Field('d', new Int8(), false),
    ];
    const bin = () => makeData({ type: new Binary(), length: 2, nullCount: 0, valueOffsets: new Int32Array([0, 1, 2]), data: new Uint8Array([1, 2]) });
    const t16 = (a: number) => makeData({ type: new Int16(), length: 2, nullCount: 0, data: new Int16Array([a, 300]) });
    const d8 = makeData({ type: new Int8(), length: 2, nullCount: 0, data: new Int8Array([-5, 7]) });
    const ok = decodePart('n', frame(streamOf(fields, [bin(), bin(), t16(3), d8], 2)));
    expect([...ok.times, ...ok.diffs]).toEqual([3, 300, -5, 7]);
    expect(expectCorrupt(() => decodePart('neg', frame(streamOf(fields, [bin(), bin(), t16(-3), d8], 2))), 'neg').message).toMatch(/non-negative/);
  });

  it('decodes from an unaligned buffer', () => {
    const bytes = encodePart(colsOf(randomRows(5, 100)), 'u');
    const buf = new Uint8Array(bytes.length + 3);
    buf.set(bytes, 3);
    expect(show(rowsOf(decodePart('u', buf.subarray(3))))).toEqual(show(randomRows(5, 100)));
  });

  it('rejects times and diffs that are not safe integers (and negative times) when encoding', () => {
    const bad: [number, number, string][] = [
      [-1, 1, 'InvalidTimestamp'],
      [1.5, 1, 'InvalidTimestamp'],
      [NaN, 1, 'InvalidTimestamp'],
      [2 ** 53, 1, 'InvalidTimestamp'],
      [1, 2 ** 53, 'InvalidDiff'],
      [1, -(2 ** 53), 'InvalidDiff'],
      [1, 0.5, 'InvalidDiff'],
      [1, Infinity, 'InvalidDiff'],
    ];
    for (const [t, d, kind] of bad) {
      const c = colsOf([[new Uint8Array(1), new Uint8Array(1), t, d]]);
      expect(() => encodePart(c, 'bad')).toThrow(InvalidUsageError);
      try {
        encodePart(c, 'bad');
      } catch (e) {
        expect((e as InvalidUsageError).kind).toBe(kind);
      }
    }
  });

  it('is small for a single row (its speed is measured in bench/part-perf.ts)', () => {
    const one = colsOf([[new Uint8Array(16), new Uint8Array(16), 1, 1]]);
    const bytes = encodePart(one, 'one');
    expect(bytes.length).toBeLessThan(1024);
    expect(decodePart('one', bytes).len).toBe(1);
  });
});

describe('a part is bound to its key', () => {
  const rows = randomRows(21, 30);
  const key = 's11111111-1111-4111-8111-111111111111/part/mx5513jd-1daac87e-7965-4da6-9640-f958777171b4';

  it('decodes under the key it was written for', () => {
    expect(show(rowsOf(decodePart(key, encodePart(colsOf(rows), key))))).toEqual(show(rows));
  });

  it('is corrupt data under any other key, of its shard or another, naming the key asked for', () => {
    const bytes = encodePart(colsOf(rows), key);
    const sameShard = key.replace('1daac87e', '1daac87f');
    const otherShard = key.replace('s11111111', 's22222222');
    for (const other of [sameShard, otherShard, key.slice(0, -1), `${key}x`, '']) {
      const err = expectCorrupt(() => decodePart(other, bytes), other);
      expect(err.message).toContain('wrong key');
      expect(err.message).toContain(key);
    }
  });

  it('keys of any length and non-ASCII keys round-trip, and bind too', () => {
    for (const k of ['', 'a', 'abcdefg', 'abcdefgh', 'ünïcødé/part/☃', 'x'.repeat(1000)]) {
      const bytes = encodePart(colsOf(rows), k);
      expect(show(rowsOf(decodePart(k, bytes)))).toEqual(show(rows));
      expect(() => decodePart(`${k}?`, bytes)).toThrow(CorruptDataError);
    }
  });

  it('still reads format-1 parts (no key in the header)', () => {
    const v2 = encodePart(colsOf(rows), key);
    const payload = v2.slice(v2.length - new DataView(v2.buffer, v2.byteOffset).getUint32(8, true));
    expect(show(rowsOf(decodePart('any-key', frame(payload))))).toEqual(show(rows));
  });
});

describe('decodePart on corrupt bytes', () => {
  const good = encodePart(colsOf(randomRows(11, 50)), 'good');

  it('rejects any single flipped byte (header or payload)', () => {
    const r = rng(12);
    const positions = [0, 3, 4, 6, 8, 11, 12, 15, 16, 17, good.length - 1];
    for (let i = 0; i < 60; i++) positions.push(randInt(r, good.length));
    for (const p of positions) {
      const bad = good.slice();
      bad[p] ^= 1 << randInt(r, 8);
      expectCorrupt(() => decodePart('good', bad), 'good');
    }
  });

  it('rejects truncation and trailing garbage', () => {
    for (const n of [0, 1, 4, 15, 16, 17, 100, good.length - 8, good.length - 1]) {
      expectCorrupt(() => decodePart('good', good.subarray(0, n)), 'good');
    }
    const longer = new Uint8Array(good.length + 8);
    longer.set(good);
    expectCorrupt(() => decodePart('good', longer), 'good');
  });

  it('rejects a wrong magic and an unknown version', () => {
    const m = good.slice();
    m.set([0x50, 0x41, 0x52, 0x31], 0); // "PAR1"
    expect(expectCorrupt(() => decodePart('good', m), 'good').message).toMatch(/magic/);
    const v = good.slice();
    v[4] = 9;
    expect(expectCorrupt(() => decodePart('good', v), 'good').message).toMatch(/version/);
  });

  it('rejects a checksummed payload that is not Arrow', () => {
    expectCorrupt(() => decodePart('junk', frame(new Uint8Array(64).fill(7))), 'junk');
    expectCorrupt(() => decodePart('nothing', frame(new Uint8Array(0))), 'nothing');
  });

  it('rejects a well-formed Arrow stream with the wrong schema', () => {
    const f = [new Field('k', new Binary(), false), new Field('v', new Binary(), false), new Field('t', new Int64(), false)];
    const bin = () => makeData({ type: new Binary(), length: 1, nullCount: 0, valueOffsets: new Int32Array([0, 1]), data: new Uint8Array([1]) });
    const i64 = () => makeData({ type: new Int64(), length: 1, nullCount: 0, data: new BigInt64Array([1n]) });
    expectCorrupt(() => decodePart('three', frame(streamOf(f, [bin(), bin(), i64()], 1))), 'three');
    const g = [...f, new Field('d', new Uint32(), false)];
    const u32 = makeData({ type: new Uint32(), length: 1, nullCount: 0, data: new Uint32Array([1]) });
    expect(expectCorrupt(() => decodePart('u32', frame(streamOf(g, [bin(), bin(), i64(), u32], 1))), 'u32').message).toMatch(/signed integer/);
    const g2 = [...f, new Field('d', new Float64(), false)];
    const f64 = makeData({ type: new Float64(), length: 1, nullCount: 0, data: new Float64Array([1]) });
    expect(expectCorrupt(() => decodePart('f64', frame(streamOf(g2, [bin(), bin(), i64(), f64], 1))), 'f64').message).toMatch(/signed integer/);
    const h = [new Field('k', new Binary(), false), new Field('v', new Int64(), false), f[2], new Field('d', new Int64(), false)];
    expect(expectCorrupt(() => decodePart('vtype', frame(streamOf(h, [bin(), i64(), i64(), i64()], 1))), 'vtype').message).toMatch(/binary/);
  });

  it('rejects int64 values that are not safe integers and negative times', () => {
    const fields = [
      new Field('k', new Binary(), false),
      new Field('v', new Binary(), false),
      new Field('t', new Int64(), false),
      new Field('d', new Int64(), false),
    ];
    const bin = () => makeData({ type: new Binary(), length: 1, nullCount: 0, valueOffsets: new Int32Array([0, 0]), data: new Uint8Array(0) });
    const i64 = (v: bigint) => makeData({ type: new Int64(), length: 1, nullCount: 0, data: new BigInt64Array([v]) });
    const cases: [string, bigint, bigint][] = [
      ['t-big', 2n ** 53n, 1n],
      ['t-neg', -1n, 1n],
      ['d-big', 1n, 2n ** 53n],
      ['d-small', 1n, -(2n ** 53n)],
      ['d-min', 1n, -(2n ** 63n)],
    ];
    for (const [key, t, d] of cases) {
      expectCorrupt(() => decodePart(key, frame(streamOf(fields, [bin(), bin(), i64(t), i64(d)], 1))), key);
    }
    // The extremes that are fine.
    const ok = decodePart('ok', frame(streamOf(fields, [bin(), bin(), i64(2n ** 53n - 1n), i64(-(2n ** 53n) + 1n)], 1)));
    expect([ok.times[0], ok.diffs[0]]).toEqual([MAX, -MAX]);
  });

  it('rejects binary offsets out of range even with a valid checksum', () => {
    // Distinctive offsets [0, 3, 10, 1000] (a 1000-byte last key) located in the payload and bent.
    const rows: Row[] = [
      [new Uint8Array(3), new Uint8Array(0), 1, 1],
      [new Uint8Array(7).fill(1), new Uint8Array(0), 1, 1],
      [new Uint8Array(990).fill(2), new Uint8Array(0), 1, 1],
    ];
    const encoded = encodePart(colsOf(rows), 'p');
    const payload = encoded.slice(encoded.length - new DataView(encoded.buffer, encoded.byteOffset).getUint32(8, true));
    const needle = Buffer.from(new Int32Array([0, 3, 10, 1000]).buffer);
    const at = Buffer.from(payload).indexOf(needle);
    expect(at).toBeGreaterThan(0);
    const view = new DataView(payload.buffer, payload.byteOffset);
    const patched = (i: number, v: number) => {
      const p = payload.slice();
      new DataView(p.buffer).setInt32(at + 4 * i, v, true);
      return frame(p);
    };
    expect(view.getInt32(at + 12, true)).toBe(1000);
    expectCorrupt(() => decodePart('past-end', patched(3, 5000)), 'past-end');
    expectCorrupt(() => decodePart('decreasing', patched(2, 2)), 'decreasing');
    expectCorrupt(() => decodePart('negative', patched(0, -4)), 'negative');
    // And the unpatched framing decodes (the patching itself is sound).
    expect(decodePart('fine', frame(payload)).len).toBe(3);
  });
});
