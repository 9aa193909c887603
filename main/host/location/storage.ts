// What a location's storage holds beyond the data: compaction ("Compact now" and its history), GC
// and the retained state versions, and blobs no state references (leaked).
import type {
  CompactionJob,
  CompactionPlanInfo,
  CompactionStatus,
  GcRunResult,
  GcStatusInfo,
  LeakedBlobsInfo,
  VersionsInfo,
} from '../../../preload/contract.js';
import { AppError } from '../../router/errors.js';
import { compactionPlan, Compactions } from '../compaction.js';
import type { LocationContext } from './context.js';

/**
 * Leaked-blob cleanup spares parts younger than this: a part that young may belong to a writer that
 * uploaded a batch and is about to append it (the engine's own GC never deletes unreferenced parts).
 */
export const LEAKED_MIN_AGE_MS = Number(process.env.SHARDSCOPE_LEAKED_MIN_AGE_MS ?? 10 * 60_000);

export class Storage {
  private readonly compactions: Compactions;

  constructor(
    private readonly ctx: LocationContext,
    private readonly leakedMinAgeMs: number,
  ) {
    this.compactions = new Compactions(ctx.client, () => ctx.nudge());
  }

  compactionPlan(shard: string): Promise<CompactionPlanInfo> {
    return compactionPlan(this.ctx.client, shard);
  }

  async startCompaction(shard: string): Promise<CompactionJob> {
    await this.ctx.meta(shard); // fails for an unknown shard
    return this.compactions.start(shard);
  }

  cancelCompaction(shard: string): CompactionJob | null {
    return this.compactions.cancel(shard);
  }

  compactionStatus(shard: string): Promise<CompactionStatus> {
    return this.compactions.status(shard);
  }

  watchCompaction(shard: string, onChange: (s: CompactionStatus) => void): () => void {
    return this.compactions.watch(shard, onChange);
  }

  async gcStatus(shard: string): Promise<GcStatusInfo> {
    await this.ctx.meta(shard);
    return { ...(await this.ctx.client.admin.gcStatus(shard)) };
  }

  async runGc(shard: string): Promise<GcRunResult> {
    await this.ctx.meta(shard);
    const admin = this.ctx.client.admin;
    const r = await admin.forceGc(shard);
    const after = await admin.gcStatus(shard);
    this.ctx.nudge();
    return { deletedBlobs: r.deletedBlobs, truncatedVersions: r.truncatedVersions, after: { ...after } };
  }

  async versions(shard: string, limit: number): Promise<VersionsInfo> {
    await this.ctx.meta(shard);
    const admin = this.ctx.client.admin;
    const [changes, gc] = await Promise.all([admin.history(shard, { limit }), admin.gcStatus(shard)]);
    return { seqno: gc.seqno, earliestRetained: gc.earliestRetained, changes: changes.map((c) => ({ ...c })) };
  }

  async leakedBlobs(): Promise<LeakedBlobsInfo> {
    const { client, metas } = this.ctx;
    const unreferenced = await client.admin.unreferencedBlobInfo();
    const now = Date.now();
    const names = new Map<string, string | null>();
    const nameOf = async (shard: string): Promise<string | null> => {
      if (!names.has(shard)) names.set(shard, metas.get(shard)?.name ?? (await client.inspectShard(shard).then((i) => i.name ?? null, () => null)));
      return names.get(shard) ?? null;
    };
    const blobs = [];
    for (const { key, shard, createdMs } of unreferenced) {
      blobs.push({
        key,
        shard,
        shardName: shard ? await nameOf(shard) : null,
        createdMs,
        spared: createdMs !== null && now - createdMs < this.leakedMinAgeMs,
      });
    }
    const usage = [];
    for (const shard of new Set(blobs.map((b) => b.shard).filter((s): s is string => s !== null))) {
      for (const u of await client.admin.blobUsage(shard)) {
        if (u.shard === shard) usage.push({ ...u, shardName: await nameOf(shard) });
      }
    }
    return { checkedAtMs: now, minAgeMs: this.leakedMinAgeMs, blobs, usage };
  }

  async deleteLeakedBlobs(keys: string[], confirmName: string): Promise<{ deleted: string[]; notDeleted: number; freedBytes: number }> {
    const label = this.ctx.info.label;
    if (confirmName !== label) {
      throw new AppError('BadRequest', `type the location's name "${label}" exactly to confirm the deletion`);
    }
    const { deleted, freedBytes } = await this.ctx.client.admin.deleteUnreferencedBlobInfo(keys, { minAgeMs: this.leakedMinAgeMs });
    return { deleted: deleted.map((b) => b.key), notDeleted: keys.length - deleted.length, freedBytes };
  }

  close(): void {
    this.compactions.close();
  }
}
