import { afterEach, describe, expect, it } from 'vitest';
import { codecs, newShardId, PersistClient } from './index.js';
import { MemBlob, MemConsensus } from './location/mem.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

/** A blob whose writes take a while (like an upload to S3) and that can be told to fail them. */
class SlowBlob extends MemBlob {
  inFlight = 0;
  maxInFlight = 0;
  failWrites = false;
  release: (() => void)[] = [];

  override async set(key: string, value: Uint8Array): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise<void>((r) => this.release.push(r));
      // Not a LocationError: nothing retries it, so the test sees it at once.
      if (this.failWrites) throw new Error(`upload of ${key} failed`);
      await super.set(key, value);
    } finally {
      this.inFlight--;
    }
  }
}

let client: PersistClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
});

async function builderOver(blob: SlowBlob) {
  // Small parts: the test drives every upload itself.
  client = PersistClient.openWith({ consensus: new MemConsensus(), blob }, { blobTargetSizeBytes: 4096 });
  const w = await client.openWriter(newShardId(), strings);
  return { w, b: w.builder([0]) };
}

/** Lets every upload waiting now go on, and those the next turns start. */
async function drain(blob: SlowBlob): Promise<void> {
  for (let i = 0; i < 50; i++) {
    for (const r of blob.release.splice(0)) r();
    await new Promise((r) => setImmediate(r));
  }
}

describe('a batch builder over a blob with slow writes', () => {
  it("takes the next part's updates while one part uploads, one upload at a time", async () => {
    const blob = new SlowBlob();
    const { w, b } = await builderOver(blob);
    let added = 0;
    // Enough for one part: its flush starts an upload that nobody has let finish yet.
    while (blob.inFlight === 0) await b.add(`k${String(added++).padStart(6, '0')}`, 'v'.repeat(40), 1, 1);
    const firstPart = added;
    // The adds after it resolve although the upload still waits.
    for (let i = 0; i < 20; i++) await b.add(`k${String(added++).padStart(6, '0')}`, 'v'.repeat(40), 1, 1);
    expect(blob.inFlight).toBe(1);
    expect(added).toBe(firstPart + 20);
    const adding = (async () => {
      for (let i = 0; i < 400; i++) await b.add(`k${String(added++).padStart(6, '0')}`, 'v'.repeat(40), 1, 1);
    })();
    const draining = (async () => {
      while (blob.release.length > 0 || blob.inFlight > 0 || added < firstPart + 420) await drain(blob);
    })();
    await adding;
    const finishing = b.finish([2]);
    await drain(blob);
    const batch = await finishing;
    await draining;
    expect(blob.maxInFlight).toBe(1);
    expect(batch.len).toBe(added);
    const appending = w.compareAndAppendBatch([batch], [0], [2]);
    await drain(blob);
    expect(await appending).toEqual({ ok: true });
    const r = await client!.openLeasedReader(w.shardId, strings);
    expect((await r.snapshotAndFetch([1])).length).toBe(added);
  });

  it('reports a failed upload at the next flush or at finish', async () => {
    const blob = new SlowBlob();
    const { b } = await builderOver(blob);
    let added = 0;
    while (blob.inFlight === 0) await b.add(`k${String(added++).padStart(6, '0')}`, 'v'.repeat(40), 1, 1);
    blob.failWrites = true;
    const finishing = expect(b.finish([2])).rejects.toThrow(/upload of .* failed/);
    await drain(blob);
    await finishing;
  });
});
