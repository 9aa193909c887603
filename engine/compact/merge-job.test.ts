import { describe, expect, it } from 'vitest';
import { encodePart } from '../part/encode.js';
import { colsOf, randBytes, randInt, refConsolidate, rng, type Row } from '../part/test-util.js';
import type { PartColumns } from '../part/types.js';
import type { PartRef } from '../state/types.js';
import { JobBuffers, runMergeJob, type MergeJob } from './merge-job.js';

/** Random runs of encoded parts in a map, as a builder's runs are in blob. */
function randomJob(seed: number, blob: Map<string, Uint8Array>): MergeJob {
  const r = rng(seed);
  const keys = Array.from({ length: 20_000 }, () => randBytes(r, 1 + randInt(r, 12), 8));
  const runs = Array.from({ length: 2 + randInt(r, 4) }, (_, ri) => {
    const rows = refConsolidate(
      Array.from({ length: 15_000 + randInt(r, 15_000) }, (): Row => [keys[randInt(r, keys.length)], randBytes(r, randInt(r, 3), 2), randInt(r, 4), randInt(r, 5) - 2 || 1]),
    );
    const parts: PartRef[] = [];
    for (let i = 0; i < rows.length; ) {
      const n = Math.min(rows.length - i, 1 + randInt(r, 9000));
      const key = `s${seed}-r${ri}-p${parts.length}`;
      blob.set(key, encodePart(colsOf(rows.slice(i, i + n)), key));
      parts.push({ key, encodedSizeBytes: 0, len: n });
      i += n;
    }
    return { timeLower: 0, timeUpper: null, parts };
  });
  return { runs, advanceTo: 2, targetBytes: 600_000 };
}

/** The job's output parts, encoded, when run with or without kept buffers. */
async function outputs(job: MergeJob, blob: Map<string, Uint8Array>, buffers?: JobBuffers): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const res = await runMergeJob(job, {
    fetch: async (p) => blob.get(p.key)!,
    write: async (cols: PartColumns) => {
      // Encoded before the first await, as the builder's writePart does: with buffers, cols
      // are not valid after it.
      const bytes = encodePart(cols, `out${out.length}`);
      await Promise.resolve();
      out.push(bytes);
      return { key: `out${out.length}`, encodedSizeBytes: bytes.length, len: cols.len };
    },
    buffers,
  });
  expect(res.parts).toHaveLength(out.length);
  return out;
}

describe('runMergeJob with kept buffers', () => {
  it('writes the same parts as a merge allocating its own, job after job with the same buffers', async () => {
    const buffers = new JobBuffers();
    let parts = 0;
    for (const seed of [1, 2, 3, 4]) {
      const blob = new Map<string, Uint8Array>();
      const job = randomJob(seed, blob);
      const want = await outputs(job, blob);
      parts += want.length;
      expect(await outputs(job, blob, buffers)).toEqual(want);
    }
    expect(parts).toBeGreaterThan(4); // parts of several chunks, several per job: the join is reused within a job too
  });
});
