// Operator actions on shards. Each is a state transition (or blob cleanup) like any other: no
// special path around the machine.
import { isCriticalReaderId, isLeasedReaderId, isWriterId } from '../ids.js';
import { InvalidUsageError } from '../errors.js';
import * as t from '../state/transitions.js';
import type { PersistClient } from '../client.js';
import type { CompactionProgress } from '../compact/compactor.js';
import { forcedCompactions } from '../compact/spine.js';
import { collectGarbage, unreferencedBlobs } from '../gc.js';

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
}

export class AdminImpl implements Admin {
  constructor(private readonly client: PersistClient) {}

  async expireReader(shard: string, readerId: string): Promise<void> {
    const machine = await this.client.machine(shard);
    if (isLeasedReaderId(readerId)) {
      const found = await machine.apply((s) => t.expireLeasedReader(s, { readerId }));
      if (!found) throw new InvalidUsageError('UnknownReader', `no reader ${readerId} on shard ${shard}`);
      return;
    }
    if (isCriticalReaderId(readerId)) {
      const found = await machine.apply((s) => t.expireCriticalReader(s, { readerId }));
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
    const found = await machine.apply((s) => t.expireWriter(s, { writerId }));
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
    const shards = await this.client.listShards();
    return unreferencedBlobs(this.client, shards, (s) => this.client.machine(s));
  }

  async finalizeShard(shard: string): Promise<void> {
    const machine = await this.client.machine(shard);
    await machine.refresh();
    await machine.apply((s) => t.finalize(s));
    await collectGarbage(machine, this.client);
  }
}
