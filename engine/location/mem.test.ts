import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobConformance, consensusConformance } from './conformance.test-util.js';
import { MemBlob, MemConsensus } from './mem.js';

consensusConformance('mem', async () => {
  const name = randomUUID();
  return { a: MemConsensus.named(name), b: MemConsensus.named(name) };
});

blobConformance('mem', async () => {
  const name = randomUUID();
  return { a: MemBlob.named(name), b: MemBlob.named(name) };
});

describe('mem registry', () => {
  it('one name is one store; data outlives the handles that wrote it', async () => {
    const name = randomUUID();
    const c1 = MemConsensus.named(name);
    await c1.compareAndSet('k', null, { seqno: 1, data: new Uint8Array([1]) });
    await c1.close();
    expect((await MemConsensus.named(name).head('k'))?.seqno).toBe(1);
    expect(await MemConsensus.named(randomUUID()).head('k')).toBeNull();

    const b1 = MemBlob.named(name);
    await b1.set('x', new Uint8Array([2]));
    await b1.close();
    expect(await MemBlob.named(name).get('x')).toEqual(new Uint8Array([2]));
  });

  it('closing one handle leaves the watches of another alone', async () => {
    const name = randomUUID();
    const a = MemConsensus.named(name);
    const b = MemConsensus.named(name);
    let fired = 0;
    b.watch('k', () => fired++);
    await a.close();
    await MemConsensus.named(name).compareAndSet('k', null, { seqno: 1, data: new Uint8Array() });
    await new Promise((r) => setTimeout(r, 0));
    expect(fired).toBe(1);
    await b.close();
  });
});
