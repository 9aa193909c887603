import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptDataError } from '../errors.js';
import { decodeDiff, decodeDiffAt, decodeRollup, encodeDiff, encodeState } from './encode.js';
import { initialState, type StateDiff } from './types.js';

const A = 's11111111-1111-4111-8111-111111111111';
const B = 's22222222-2222-4222-8222-222222222222';
const diff: StateDiff = { seqno: 7, walltimeMs: 1234, latestRollup: 4, upper: [9] };

/** A diff as the format-1 engine wrote it: CRC32 then the JSON. */
function format1(value: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(value));
  const out = new Uint8Array(4 + json.length);
  out.set(json, 4);
  new DataView(out.buffer).setUint32(0, crc32(json), true);
  return out;
}

function corrupt(fn: () => unknown, key: string, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CorruptDataError);
  expect((err as CorruptDataError).key).toBe(key);
  if (message) expect((err as Error).message).toMatch(message);
}

describe('state diff encoding', () => {
  it('round-trips a diff at its own shard and seqno', () => {
    expect(decodeDiffAt(A, 7, encodeDiff(A, diff))).toEqual(diff);
  });

  it('rejects a diff read in the place of another shard or seqno', () => {
    const bytes = encodeDiff(A, diff);
    corrupt(() => decodeDiffAt(B, 7, bytes), `${B}@7`, new RegExp(`shard ${A}`));
    corrupt(() => decodeDiffAt(A, 8, bytes), `${A}@8`, /seqno 7 .* seqno 8/);
    // The key-taking decoder checks keys of the shard@seqno form the same way.
    corrupt(() => decodeDiff(`${B}@7`, bytes), `${B}@7`);
    expect(decodeDiff(`${A}@7`, bytes)).toEqual(diff);
  });

  it('costs 18 bytes more than format 1 for a canonical shard id', () => {
    expect(encodeDiff(A, diff).length - format1(diff).length).toBe(18);
  });

  it('binds any shard id, canonical or not', () => {
    for (const id of ['plain', 'ünï', 'x'.repeat(255), A.toUpperCase()]) {
      expect(decodeDiffAt(id, 7, encodeDiff(id, diff))).toEqual(diff);
      corrupt(() => decodeDiffAt(`${id}-`, 7, encodeDiff(id, diff)), `${id}-@7`);
    }
  });

  it('reads format 1 (no shard named) and still checks its seqno', () => {
    const old = format1(diff);
    expect(decodeDiffAt(A, 7, old)).toEqual(diff);
    expect(decodeDiffAt(B, 7, old)).toEqual(diff);
    corrupt(() => decodeDiffAt(A, 6, old), `${A}@6`);
  });

  it('rejects every flipped byte and truncation', () => {
    const bytes = encodeDiff(A, diff);
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x20;
      corrupt(() => decodeDiffAt(A, 7, bad), `${A}@7`);
    }
    for (const n of [0, 3, 4, 5, 20, bytes.length - 1]) corrupt(() => decodeDiffAt(A, 7, bytes.subarray(0, n)), `${A}@7`);
  });
});

describe('rollup encoding', () => {
  const state = { ...initialState(A), seqno: 12 };
  const key = `${A}/rollup/12`;

  it('round-trips at its own shard and seqno, and reads format 1', () => {
    expect(decodeRollup(A, 12, key, encodeState(state))).toEqual(state);
    expect(decodeRollup(A, 12, key, format1(state))).toEqual(state);
  });

  it('rejects a rollup in the place of another shard or seqno, old or new format', () => {
    for (const bytes of [encodeState(state), format1(state)]) {
      corrupt(() => decodeRollup(B, 12, key, bytes), key, new RegExp(`shard ${A}`));
      corrupt(() => decodeRollup(A, 16, key, bytes), key, /seqno 12/);
    }
  });

  it('rejects a state sealed under another shard than it names', () => {
    const forged = encodeState({ ...state, shardId: B });
    const bytes = encodeState(state);
    // Same length ids: splice B's tag into A's sealed state and fix the checksum.
    const mixed = bytes.slice();
    mixed.set(forged.subarray(5, 22), 5);
    new DataView(mixed.buffer).setUint32(0, crc32(mixed.subarray(4)), true);
    corrupt(() => decodeRollup(A, 12, key, mixed), key);
  });
});
