// Operator actions on shards. Each is a state transition (or blob cleanup) like any other: no
// special path around the machine.
import { isCriticalReaderId, isLeasedReaderId, isWriterId } from '../ids.js';
import { InvalidUsageError } from '../errors.js';
import * as t from '../state/transitions.js';
import type { PersistClient } from '../client.js';

export interface Admin {
  forceCompaction(shard: string): Promise<{ before: number; after: number }>;
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

  forceCompaction(): Promise<{ before: number; after: number }> {
    return Promise.reject(new Error('forceCompaction arrives with the compaction issue (#4)'));
  }

  forceGc(): Promise<{ deletedBlobs: number; truncatedVersions: number }> {
    return Promise.reject(new Error('forceGc arrives with the garbage collection issue (#4)'));
  }

  unreferencedBlobs(): Promise<string[]> {
    return Promise.reject(new Error('unreferencedBlobs arrives with the garbage collection issue (#4)'));
  }

  finalizeShard(): Promise<void> {
    return Promise.reject(new Error('finalizeShard arrives with the garbage collection issue (#4)'));
  }
}
