// Storage accounting for operators: blob bytes per shard, and how much consolidation would save.
import { retryExternal } from '../location/retry.js';
import type { AdminDeps as PersistClient } from './deps.js';
import { codecs } from '../codec.js';
import { parseBlobKey } from '../paths.js';

export interface BlobUsage {
  shard: string;
  parts: number;
  partBytes: number;
  rollups: number;
  rollupBytes: number;
  otherBytes: number;
}

export async function blobUsage(client: PersistClient, shard?: string): Promise<BlobUsage[]> {
  const all = await retryExternal(() => client.blob.list(shard ? `${shard}/` : ''), 'list blobs');
  const byShard = new Map<string, BlobUsage>();
  for (const { key, sizeBytes } of all) {
    const { shard: owner, kind } = parseBlobKey(key);
    const id = owner ?? '(other)';
    let u = byShard.get(id);
    if (!u) byShard.set(id, (u = { shard: id, parts: 0, partBytes: 0, rollups: 0, rollupBytes: 0, otherBytes: 0 }));
    if (kind === 'part') {
      u.parts++;
      u.partBytes += sizeBytes;
    } else if (kind === 'rollup') {
      u.rollups++;
      u.rollupBytes += sizeBytes;
    } else {
      u.otherBytes += sizeBytes;
    }
  }
  return [...byShard.values()].sort((a, b) => a.shard.localeCompare(b.shard));
}

export interface ConsolidatedSize {
  shard: string;
  asOf: number | null;
  /** updates as stored, summed over batches */
  updates: number;
  /** updates in a consolidated snapshot at asOf (the latest readable time) */
  consolidatedUpdates: number;
}

/** Reads raw bytes (the bytes codec reads any shard) so no codec of the shard is needed. */
export async function consolidatedSize(client: PersistClient, shard: string): Promise<ConsolidatedSize> {
  const info = await client.inspectShard(shard);
  const updates = info.stats.updates;
  const upper = info.upper.length ? info.upper[0] : null;
  const since = info.since.length ? info.since[0] : null;
  const asOf = upper === null ? since : upper - 1;
  if (asOf === null || asOf < 0 || (since !== null && asOf < since)) {
    return { shard, asOf: null, updates, consolidatedUpdates: 0 };
  }
  const machine = await client.machine(shard);
  const codecNames = machine.current.codecs ?? { key: 'bytes', val: 'bytes' };
  // Same names as the shard's codecs (the names are what state checks), raw bytes in and out.
  const raw = (name: string) => ({ ...codecs.bytes, name });
  const r = await client.openLeasedReader(shard, {
    keyCodec: raw(codecNames.key),
    valCodec: raw(codecNames.val),
    diagnostics: { shardName: '', handlePurpose: 'consolidated-size' },
  });
  try {
    let n = 0;
    for await (const chunk of r.snapshotCursor([asOf])) n += chunk.length;
    return { shard, asOf, updates, consolidatedUpdates: n };
  } finally {
    await r.expire();
  }
}
