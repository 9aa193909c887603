import { describe, expect, it } from 'vitest';
import { MemBlob } from '../location/mem.js';
import type { Blob } from '../location/types.js';
import { decodePart, type EncodeScratch } from './encode.js';
import { colsOf, randBytes, rng, rowsOf, show, type Row } from './test-util.js';
import { writePart } from './writer.js';

function rows(seed: number, n: number): Row[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => [new Uint8Array([i >> 8, i & 255]), randBytes(r, 30), i, 1] as Row);
}

/** A blob whose first set fails while still holding on to the value (an abandoned upload). */
class AbandoningBlob extends MemBlob {
  held: Uint8Array | null = null;
  override async set(key: string, value: Uint8Array): Promise<void> {
    if (!this.held) {
      this.held = value;
      throw new Error('upload abandoned');
    }
    return super.set(key, value);
  }
}

describe('writePart with an encode scratch buffer', () => {
  it('writes part after part through one buffer, each stored intact', async () => {
    const blob: Blob = new MemBlob();
    const scratch: EncodeScratch = { buf: null };
    let n = 0;
    const deps = { blob, mintKey: () => `s/p${n++}`, scratch };
    const parts = [rows(1, 500), rows(2, 20), rows(3, 900)];
    const refs = [];
    for (const p of parts) refs.push(await writePart(deps, colsOf(p)));
    expect(scratch.buf).not.toBeNull();
    for (let i = 0; i < parts.length; i++) {
      const bytes = await blob.get(refs[i].key);
      expect(show(rowsOf(decodePart(refs[i].key, bytes!)))).toEqual(show(parts[i]));
    }
  });

  it('gives the buffer up after a failed set: bytes a blob may still be reading are never overwritten', async () => {
    const blob = new AbandoningBlob();
    const scratch: EncodeScratch = { buf: null };
    let n = 0;
    const deps = { blob, mintKey: () => `s/p${n++}`, scratch };
    await expect(writePart(deps, colsOf(rows(1, 400)))).rejects.toThrow('upload abandoned');
    const abandoned = blob.held!.slice();
    expect(scratch.buf).toBeNull();
    const ref = await writePart(deps, colsOf(rows(2, 400)));
    expect(Buffer.compare(blob.held!, abandoned)).toBe(0);
    expect(show(rowsOf(decodePart(ref.key, (await blob.get(ref.key))!)))).toEqual(show(rows(2, 400)));
  });
});
