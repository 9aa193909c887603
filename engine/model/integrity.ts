// What must hold of a shard's storage after anything (faults, kills, GC): every retained version
// of its state decodes, and every blob a retained version references exists. Shared by the model
// test and the reliability runs (bench/reliability).
import type { PersistClient } from '../index.js';

export interface IntegrityReport {
  versions: number;
  /** `seqno: error` of each retained version that failed to decode */
  unreadable: string[];
  /** blob keys referenced by a retained version but missing */
  missingBlobs: string[];
}

export async function checkIntegrity(client: PersistClient, shard: string): Promise<IntegrityReport> {
  const status = await client.admin.gcStatus(shard);
  const report: IntegrityReport = { versions: 0, unreadable: [], missingBlobs: [] };
  const checked = new Set<string>();
  const exists = async (key: string) => {
    if (key.startsWith('inline:') || checked.has(key)) return;
    checked.add(key);
    if ((await client.storage.blob.get(key)) === null) report.missingBlobs.push(key);
  };
  for (let seqno = status.earliestRetained; seqno <= status.seqno; seqno++) {
    report.versions++;
    let s;
    try {
      s = await client.inspectShard(shard, { seqno });
    } catch (e) {
      report.unreadable.push(`${seqno}: ${(e as Error).message}`);
      continue;
    }
    for (const b of s.batches) for (const p of b.parts) await exists(p.key);
    for (const r of s.rollups) await exists(r.key);
  }
  return report;
}
