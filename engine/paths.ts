// Blob keys, built and parsed in one place (as Materialize's paths.rs). Every key starts with the
// shard it belongs to. A part key carries its creation time, so the cleanup of unreferenced blobs
// can spare young ones (a writer's batch in flight); the part header repeats the key, so a part
// stored under another key is detected. A rollup key names the version it holds.
import { randomUUID } from 'node:crypto';
import { isShardId } from './ids.js';

export type BlobKind = 'part' | 'rollup' | 'other';

export interface BlobKey {
  /** the shard the key belongs to (its first segment), or null when that is no shard id */
  readonly shard: string | null;
  readonly kind: BlobKind;
  /** when a part was written (ms), or null (rollups, foreign keys) */
  readonly createdMs: number | null;
}

export function partKey(shardId: string, nowMs: number): string {
  return `${shardId}/part/${Math.max(0, Math.floor(nowMs)).toString(36)}-${randomUUID()}`;
}

export function rollupKey(shardId: string, seqno: number): string {
  return `${shardId}/rollup/${seqno}`;
}

const PART_CREATED = /^([0-9a-z]+)-/;

/** `<owner>/<kind>/<rest>`: the kind is read even under a foreign owner, as storage accounting counts it. */
export function parseBlobKey(key: string): BlobKey {
  const [owner, segment] = key.split('/', 2);
  const shard = isShardId(owner) ? owner : null;
  if (segment === 'part') {
    const m = PART_CREATED.exec(key.slice(owner.length + '/part/'.length));
    return { shard, kind: 'part', createdMs: m ? parseInt(m[1], 36) : null };
  }
  return { shard, kind: segment === 'rollup' ? 'rollup' : 'other', createdMs: null };
}

/** When a part was written, from its key; null for anything but a part key. */
export function partCreatedMs(key: string): number | null {
  return parseBlobKey(key).createdMs;
}
