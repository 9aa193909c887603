import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './conformance.test-util.js';
import { openSqlite } from './sqlite.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const MiB = 1024 * 1024;
const value = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SQLite sandbox checkpoints', () => {
  it('move written data into the database file in the background, well before the WAL reaches its auto-checkpoint size', async () => {
    const path = join(tmp.dir, `${randomUUID()}.sqlite`);
    const { consensus, blob } = openSqlite(path);
    try {
      // 12 MiB: past the background checkpoint's threshold (8 MiB of pages), far below the
      // writer's own auto-checkpoint (32 MiB), so only the background one can move it.
      for (let i = 0; i < 6; i++) await blob.set(`s/part-${i}`, value(2 * MiB, i));
      await until(() => statSync(path).size >= 8 * MiB);
      // The data is intact and still written by the same connection afterwards.
      for (let i = 0; i < 6; i++) expect(await blob.get(`s/part-${i}`)).toEqual(value(2 * MiB, i));
      expect(await consensus.compareAndSet('s', null, { seqno: 1, data: value(10, 1) })).toEqual({ ok: true });
    } finally {
      await consensus.close();
      await blob.close();
    }
    // Closed while its checkpointer may still run: the file reopens with everything in it.
    const again = openSqlite(path);
    try {
      expect(await again.blob.get('s/part-5')).toEqual(value(2 * MiB, 5));
      expect((await again.consensus.head('s'))?.seqno).toBe(1);
    } finally {
      await again.consensus.close();
      await again.blob.close();
    }
  });
});
