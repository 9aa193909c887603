import { describe, expect, it } from 'vitest';
import { newShardId } from './ids.js';
import { parseBlobKey, partCreatedMs, partKey, rollupKey } from './paths.js';
import { MemBlob, MemConsensus } from './location/mem.js';
import { PersistClient } from './client.js';
import { codecs } from './codec.js';

describe('blob keys', () => {
  it('a part key names its shard and creation time; a rollup key its shard', () => {
    const shard = newShardId();
    expect(parseBlobKey(partKey(shard, 1_700_000_000_123))).toEqual({ shard, kind: 'part', createdMs: 1_700_000_000_123 });
    expect(parseBlobKey(rollupKey(shard, 42))).toEqual({ shard, kind: 'rollup', createdMs: null });
    expect(partCreatedMs(rollupKey(shard, 42))).toBeNull();
  });

  it('a key no shard wrote has no shard, and only a part key a creation time', () => {
    expect(parseBlobKey('backup/2024.tar')).toEqual({ shard: null, kind: 'other', createdMs: null });
    expect(parseBlobKey(`${newShardId()}/notes.txt`).kind).toBe('other');
    expect(parseBlobKey('')).toEqual({ shard: null, kind: 'other', createdMs: null });
  });
});

describe('admin.unreferencedBlobInfo', () => {
  it("describes each unreferenced blob by its key's shard, kind and age, with its size", async () => {
    const now = 1_800_000_000_000;
    const blob = new MemBlob();
    const client = PersistClient.openWith({ consensus: new MemConsensus(), blob }, { now: () => now, inlineWritesMaxBytes: 0 });
    try {
      const shard = newShardId();
      const [w] = await client.open(shard, { keyCodec: codecs.string, valCodec: codecs.string });
      await w.append([['k', 'v', 0, 1]], [0], [1]);
      // A batch written but never appended: its part is in blob, referenced by no version.
      const leaked = await w.batch([['leaked', 'v', 1, 1]], [1], [2]);
      await blob.set('foreign/thing', new Uint8Array(7));
      const info = await client.admin.unreferencedBlobInfo();
      expect(info.map((b) => b.key)).toEqual(await client.admin.unreferencedBlobs());
      const part = info.find((b) => b.kind === 'part');
      expect(part).toMatchObject({ shard, createdMs: now });
      expect(part!.sizeBytes).toBeGreaterThan(0);
      expect(leaked.len).toBe(1);
      expect(info.find((b) => b.key === 'foreign/thing')).toEqual({ key: 'foreign/thing', shard: null, kind: 'other', createdMs: null, sizeBytes: 7 });
    } finally {
      await client.close();
    }
  });
});

describe('admin.deleteUnreferencedBlobInfo', () => {
  it('deletes only what is unreferenced and old enough, and says the bytes it freed', async () => {
    let now = 1_800_000_000_000;
    const blob = new MemBlob();
    const client = PersistClient.openWith({ consensus: new MemConsensus(), blob }, { now: () => now, inlineWritesMaxBytes: 0 });
    try {
      const [w, r] = await client.open(newShardId(), { keyCodec: codecs.string, valCodec: codecs.string });
      await w.append([['k', 'v', 0, 1]], [0], [1]);
      await w.batch([['old', 'v', 1, 1]], [1], [2]);
      now += 60 * 60_000;
      await w.batch([['young', 'v', 1, 1]], [1], [2]);
      const [old, young] = await client.admin.unreferencedBlobInfo();
      const referenced = (await blob.list('')).map((b) => b.key).find((k) => k !== old.key && k !== young.key)!;

      const r1 = await client.admin.deleteUnreferencedBlobInfo([old.key, young.key, referenced, old.key], { minAgeMs: 10 * 60_000 });
      expect(r1.deleted.map((b) => b.key)).toEqual([old.key]);
      expect(r1.freedBytes).toBe(old.sizeBytes);
      expect((await blob.list('')).map((b) => b.key).sort()).toEqual([referenced, young.key].sort());
      // Deleting again frees nothing: the blob is gone.
      expect(await client.admin.deleteUnreferencedBlobInfo([old.key])).toEqual({ deleted: [], freedBytes: 0 });
      await expect(client.admin.deleteUnreferencedBlobInfo([young.key], { minAgeMs: -1 })).rejects.toThrow(/minAgeMs must be a finite number >= 0/);
      expect(await client.admin.unreferencedBlobs()).toEqual([young.key]);
      expect(await r.snapshotAndFetch([0])).toEqual([['k', 'v', 0, 1]]);
    } finally {
      await client.close();
    }
  });
});
