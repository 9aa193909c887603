// Blob keys of parts, built and parsed in one place. A part key names its shard and carries its
// creation time, so the cleanup of unreferenced blobs can spare young ones (a writer's batch in
// flight); the part header repeats the key, so a part stored under another key is detected.
import { randomUUID } from 'node:crypto';

export function partKey(shardId: string, nowMs: number): string {
  return `${shardId}/part/${Math.max(0, Math.floor(nowMs)).toString(36)}-${randomUUID()}`;
}

export function partCreatedMs(key: string): number | null {
  const m = /\/part\/([0-9a-z]+)-/.exec(key);
  return m ? parseInt(m[1], 36) : null;
}
