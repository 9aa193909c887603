import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './conformance.test-util.js';
import { openSqlite } from './sqlite.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const MiB = 1024 * 1024;
function value(n: number, seed: number): Uint8Array {
  const v = new Uint8Array(n);
  for (let i = 0; i < n; i++) v[i] = (i * 31 + seed) & 255;
  return v;
}

/** Whole-buffer comparison: toEqual walks 2 MiB element by element (tens of seconds). */
const same = (a: Uint8Array | null, b: Uint8Array): boolean => a !== null && Buffer.from(a).equals(b);

// Generous: on a loaded machine the worker's start (a new isolate loading better-sqlite3) is slow.
async function until(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SQLite sandbox checkpoints', () => {
  it('move written data into the database file in the background, well before the WAL reaches its auto-checkpoint size', { timeout: 120_000 }, async () => {
    const path = join(tmp.dir, `${randomUUID()}.sqlite`);
    const { consensus, blob } = openSqlite(path);
    try {
      // 12 MiB: past the background checkpoint's threshold (8 MiB of pages), far below the
      // writer's own auto-checkpoint (32 MiB), so only the background one can move it.
      for (let i = 0; i < 6; i++) await blob.set(`s/part-${i}`, value(2 * MiB, i));
      await until(() => statSync(path).size >= 8 * MiB);
      // The data is intact and still written by the same connection afterwards.
      for (let i = 0; i < 6; i++) expect(same(await blob.get(`s/part-${i}`), value(2 * MiB, i))).toBe(true);
      expect(await consensus.compareAndSet('s', null, { seqno: 1, data: value(10, 1) })).toEqual({ ok: true });
    } finally {
      await consensus.close();
      await blob.close();
    }
    // Closed while its checkpointer may still run: the file reopens with everything in it.
    const again = openSqlite(path);
    try {
      expect(same(await again.blob.get('s/part-5'), value(2 * MiB, 5))).toBe(true);
      expect((await again.consensus.head('s'))?.seqno).toBe(1);
    } finally {
      await again.consensus.close();
      await again.blob.close();
    }
  });
});
