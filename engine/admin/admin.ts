// Operator actions on shards. Each is a state transition (or blob cleanup) like any other: no
// special path around the machine.
import { isCriticalReaderId, isLeasedReaderId, isWriterId } from '../ids.js';
import { InvalidUsageError } from '../errors.js';
import { adminDepsOf, type AdminDeps } from './deps.js';
import type { Antichain } from '../antichain.js';
import { diffVersions, type VersionChange } from './history.js';
import { inspectState, type ShardInspection } from '../inspect.js';
import { blobUsage, consolidatedSize, type BlobUsage, type ConsolidatedSize } from './usage.js';
import { seqnoSince } from '../state/transitions.js';
import { retryExternal } from '../location/retry.js';
import { parseBlobKey, type BlobKey } from '../paths.js';
import type { CompactionProgress } from '../compact/compactor.js';
import { forcedCompactions } from '../compact/spine.js';
import { collectGarbage, unreferencedBlobMetas } from '../gc.js';
import { locationHealth, shardHealth, type HealthOptions, type LocationHealth, type ShardHealth } from './health.js';
import { shardDiff, type DiffOptions, type ShardDiff } from './diff.js';
import { sinceWhatIf, type WhatIf } from './whatif.js';
import { copyShard, type CopyOptions, type CopyResult } from './copy.js';
import type { ProgressCounter } from './parts.js';
import { compactionHistory, type CompactionHistory } from './compactions.js';

export interface Admin {
  forceCompaction(
    shard: string,
    opts?: { onProgress?: (p: CompactionProgress) => void; signal?: AbortSignal },
  ): Promise<{ before: number; after: number }>;
  forceGc(shard: string): Promise<{ deletedBlobs: number; truncatedVersions: number }>;
  expireReader(shard: string, readerId: string): Promise<void>;
  expireWriter(shard: string, writerId: string): Promise<void>;
  unreferencedBlobs(): Promise<string[]>;
  finalizeShard(shard: string): Promise<void>;
  // Extensions for operators (the app and the CLI):
  /** unreferencedBlobs with what each key says (its shard, kind, creation time) and its size: callers never parse keys */
  unreferencedBlobInfo(): Promise<UnreferencedBlob[]>;
  /** what forceCompaction would merge now, without doing it */
  compactionPlan(shard: string): Promise<CompactionPlan>;
  gcStatus(shard: string): Promise<GcStatus>;
  /** the newest retained versions, each with what changed from the one before */
  history(shard: string, opts?: { limit?: number }): Promise<VersionChange[]>;
  /** the compactions the retained versions record (any client's), newest first, and how far back they go */
  compactionHistory(shard: string, opts?: { limit?: number }): Promise<CompactionHistory>;
  blobUsage(shard?: string): Promise<BlobUsage[]>;
  consolidatedSize(shard: string): Promise<ConsolidatedSize>;
  /** deletes blobs that are unreferenced *now* (re-checked); returns the keys deleted */
  deleteUnreferencedBlobs(keys: string[], opts?: { minAgeMs?: number }): Promise<string[]>;
  /** deleteUnreferencedBlobs that says what it deleted and the bytes that freed (as the blob store reports them) */
  deleteUnreferencedBlobInfo(keys: string[], opts?: { minAgeMs?: number }): Promise<DeletedBlobs>;
  /** what is wrong with a shard, why it matters, who is to blame and what to do */
  health(shard: string, opts?: HealthOptions): Promise<ShardHealth>;
  /** health of every shard in the location, worst first, and the location's own findings */
  locationHealth(opts?: HealthOptions): Promise<LocationHealth>;
  /** consolidated updates with times in (from, to], per (key, val); needs since <= from */
  diff(shard: string, opts: DiffOptions): Promise<ShardDiff>;
  /** what forced compaction would leave with the since at `since`, and which reads would be lost */
  sinceWhatIf(shard: string, since: number, opts?: { signal?: AbortSignal; onProgress?: (p: ProgressCounter) => void }): Promise<WhatIf>;
  /** copies the shard, consolidated at an as_of, into `dest` without moving this location's since */
  copyShard(shard: string, dest: { readonly admin: Admin }, opts?: CopyOptions): Promise<CopyResult>;
}

export interface UnreferencedBlob extends BlobKey {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface DeletedBlobs {
  readonly deleted: UnreferencedBlob[];
  readonly freedBytes: number;
}

export interface CompactionPlan {
  batches: number;
  merges: { inputs: number; lower: Antichain; upper: Antichain; since: Antichain; updates: number; bytes: number }[];
}

export interface GcStatus {
  seqno: number;
  seqnoSince: number;
  earliestRetained: number;
  versionsRetained: number;
  /** versions GC would truncate now */
  versionsTruncatable: number;
  rollups: number;
}

export class AdminImpl implements Admin {
  constructor(private readonly client: AdminDeps) {}

  async expireReader(shard: string, readerId: string): Promise<void> {
    const machine = await this.client.machine(shard);
    if (isLeasedReaderId(readerId)) {
      const found = await machine.expireLeasedReader({ readerId });
      if (!found) throw new InvalidUsageError('UnknownReader', `no reader ${readerId} on shard ${shard}`);
      return;
    }
    if (isCriticalReaderId(readerId)) {
      const found = await machine.expireCriticalReader({ readerId });
      if (!found) throw new InvalidUsageError('UnknownReader', `no reader ${readerId} on shard ${shard}`);
      return;
    }
    throw new InvalidUsageError('InvalidReaderId', `invalid reader id ${JSON.stringify(readerId)}: expected r<uuid> or c<uuid>`);
  }

  async expireWriter(shard: string, writerId: string): Promise<void> {
    if (!isWriterId(writerId)) {
      throw new InvalidUsageError('InvalidWriterId', `invalid writer id ${JSON.stringify(writerId)}: expected w<uuid>`);
    }
    const machine = await this.client.machine(shard);
    const found = await machine.expireWriter({ writerId });
    if (!found) throw new InvalidUsageError('UnknownWriter', `no writer ${writerId} on shard ${shard}`);
  }

  async forceCompaction(
    shard: string,
    opts?: { onProgress?: (p: CompactionProgress) => void; signal?: AbortSignal },
  ): Promise<{ before: number; after: number }> {
    const machine = await this.client.machine(shard);
    await machine.refresh();
    const before = machine.current.batches.length;
    await this.client.compactor.idle(machine.shardId);
    // Repeat: a group that was cut by the memory bound may merge with its neighbour next round.
    for (let round = 0; round < 32; round++) {
      const reqs = forcedCompactions(machine.current, this.client.config.compactionMemoryBoundBytes);
      if (reqs.length === 0) break;
      const countBefore = machine.current.batches.length;
      for (const req of reqs) await this.client.compactor.compact(machine, req, opts?.onProgress, opts?.signal);
      if (machine.current.batches.length >= countBefore) break;
    }
    return { before, after: machine.current.batches.length };
  }

  async forceGc(shard: string): Promise<{ deletedBlobs: number; truncatedVersions: number }> {
    const machine = await this.client.machine(shard);
    return collectGarbage(machine, this.client);
  }

  async unreferencedBlobs(): Promise<string[]> {
    return (await this.unreferencedBlobInfo()).map((b) => b.key);
  }

  async unreferencedBlobInfo(): Promise<UnreferencedBlob[]> {
    const shards = await this.client.listShards();
    const metas = await unreferencedBlobMetas(this.client, shards, (s) => this.client.machine(s));
    return metas.map(({ key, sizeBytes }) => ({ key, sizeBytes, ...parseBlobKey(key) }));
  }

  async finalizeShard(shard: string): Promise<void> {
    const machine = await this.client.machine(shard);
    await machine.refresh();
    await machine.finalize();
    await collectGarbage(machine, this.client);
  }

  async compactionPlan(shard: string): Promise<CompactionPlan> {
    const machine = await this.client.machine(shard);
    await machine.refresh();
    const state = machine.current;
    const reqs = forcedCompactions(state, this.client.config.compactionMemoryBoundBytes);
    return {
      batches: state.batches.length,
      merges: reqs.map((r) => {
        const inputs = state.batches.filter((b) => r.inputs.includes(b.id));
        return {
          inputs: inputs.length,
          lower: r.lower,
          upper: r.upper,
          since: r.since,
          updates: inputs.reduce((n, b) => n + b.len, 0),
          bytes: inputs.reduce((n, b) => n + b.runs.flat().reduce((m, p) => m + p.encodedSizeBytes, 0), 0),
        };
      }),
    };
  }

  async gcStatus(shard: string): Promise<GcStatus> {
    const machine = await this.client.machine(shard);
    await machine.refresh();
    const s = machine.current;
    const first = (await retryExternal(() => this.client.consensus.scan(machine.shardId, 0, 1), 'scan'))[0];
    const earliest = first?.seqno ?? s.seqno;
    const since = seqnoSince(s);
    return {
      seqno: s.seqno,
      seqnoSince: since,
      earliestRetained: earliest,
      versionsRetained: s.seqno - earliest + 1,
      versionsTruncatable: Math.max(0, since - earliest),
      rollups: s.rollups.length,
    };
  }

  /** One forward pass over the newest `limit` + 1 retained versions: one rebuild, then a diff per version. */
  async history(shard: string, opts?: { limit?: number }): Promise<VersionChange[]> {
    const limit = Math.max(1, Math.min(opts?.limit ?? 200, 10_000));
    const machine = await this.client.machine(shard);
    const latest = await machine.latest();
    if (latest.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
    const changes: VersionChange[] = [];
    let prev: ShardInspection | null = null;
    for await (const s of machine.versions.live(Math.max(1, latest.seqno - limit), latest.seqno, machine.latest)) {
      const next = inspectState(s);
      // A concurrent GC may truncate ahead of the walk: versions across the gap are not compared.
      if (prev && prev.seqno + 1 === next.seqno) changes.push(diffVersions(prev, next));
      prev = next;
    }
    return changes.reverse();
  }

  compactionHistory(shard: string, opts?: { limit?: number }): Promise<CompactionHistory> {
    return compactionHistory(this.client, shard, opts);
  }

  health(shard: string, opts?: HealthOptions): Promise<ShardHealth> {
    return shardHealth(this.client, shard, opts);
  }

  locationHealth(opts?: HealthOptions): Promise<LocationHealth> {
    return locationHealth(this.client, opts);
  }

  diff(shard: string, opts: DiffOptions): Promise<ShardDiff> {
    return shardDiff(this.client, shard, opts);
  }

  sinceWhatIf(shard: string, since: number, opts?: { signal?: AbortSignal; onProgress?: (p: ProgressCounter) => void }): Promise<WhatIf> {
    return sinceWhatIf(this.client, shard, since, opts);
  }

  /** `dest` is another PersistClient (typed by what the contract shows of it, so admin/ never imports client.ts). */
  copyShard(shard: string, dest: { readonly admin: Admin }, opts?: CopyOptions): Promise<CopyResult> {
    return copyShard(this.client, shard, adminDepsOf(dest), opts);
  }

  blobUsage(shard?: string): Promise<BlobUsage[]> {
    return blobUsage(this.client, shard);
  }

  consolidatedSize(shard: string): Promise<ConsolidatedSize> {
    return consolidatedSize(this.client, shard);
  }

  /**
   * A part a writer has uploaded but not yet appended is unreferenced too: `minAgeMs` spares parts
   * younger than that (by the creation time in their key) so a live writer's batch is not lost.
   */
  async deleteUnreferencedBlobs(keys: string[], opts?: { minAgeMs?: number }): Promise<string[]> {
    return (await this.deleteUnreferencedBlobInfo(keys, opts)).deleted.map((b) => b.key);
  }

  async deleteUnreferencedBlobInfo(keys: string[], opts?: { minAgeMs?: number }): Promise<DeletedBlobs> {
    const minAge = opts?.minAgeMs ?? 0;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) {
      throw new InvalidUsageError('InvalidArgument', 'keys must be an array of blob keys');
    }
    if (typeof minAge !== 'number' || !Number.isFinite(minAge) || minAge < 0) {
      throw new InvalidUsageError('InvalidArgument', `minAgeMs must be a finite number >= 0, got ${String(minAge)}`);
    }
    // Re-check now: a key listed a moment ago may since have been appended by its writer.
    const unreferenced = new Map((await this.unreferencedBlobInfo()).map((b) => [b.key, b]));
    const now = this.client.config.now();
    const deleted: UnreferencedBlob[] = [];
    let freedBytes = 0;
    for (const k of new Set(keys)) {
      const b = unreferenced.get(k);
      if (!b) continue;
      if (minAge > 0 && b.createdMs !== null && now - b.createdMs < minAge) continue;
      // null: the blob was already gone (another operator deleted it); it freed nothing here.
      const size = await retryExternal(() => this.client.blob.delete(k), `delete ${k}`);
      if (size === null) continue;
      deleted.push({ ...b, sizeBytes: size });
      freedBytes += size;
    }
    return { deleted, freedBytes };
  }

}
