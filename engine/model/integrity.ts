// What must hold of a shard's storage after anything (faults, kills, GC): every retained version
// of its state decodes, and every blob that a version a reader may still need (at or above
// seqnoSince) references exists. Versions below seqnoSince are GC's to remove: it deletes their
// blobs first and truncates them last (as Materialize does), so after a crash in between they
// may name blobs already gone, which no reader can ask for; the next GC truncates them. Shared by
// the model test and the reliability runs (bench/reliability).
import type { PersistClient } from '../index.js';

export interface IntegrityReport {
  versions: number;
  /** `seqno: error` of each retained version that failed to decode */
  unreadable: string[];
  /** blob keys referenced by a retained version at or above seqnoSince but missing */
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
    if (seqno < status.seqnoSince) continue;
    for (const b of s.batches) for (const p of b.parts) await exists(p.key);
    for (const r of s.rollups) await exists(r.key);
  }
  return report;
}
