// Handles and leases from the Leases tab: readers and writers the app opens on a user's behalf,
// moving a reader's since, and expiring any reader or writer (the app's own or another process's).
import { newCriticalReaderId } from '../../../engine/index.js';
import type { Frontier } from '../../../preload/contract.js';
import { AppError } from '../../router/errors.js';
import { toFrontier } from '../convert.js';
import type { LocationContext } from './context.js';

export class Leases {
  constructor(private readonly ctx: LocationContext) {}

  async openReader(shard: string, purpose: string, kind: 'leased' | 'critical'): Promise<{ id: string }> {
    const { client, owned } = this.ctx;
    if (kind === 'leased') {
      const r = await client.openLeasedReader<unknown, unknown>(shard, await this.ctx.handleOptions(shard, purpose));
      owned.leased.set(r.readerId, r);
      this.ctx.nudge();
      return { id: r.readerId };
    }
    await this.ctx.meta(shard); // fails for an unknown shard
    const h = await client.openCriticalSince(shard, newCriticalReaderId(), { purpose });
    owned.critical.set(h.readerId, h);
    this.ctx.nudge();
    return { id: h.readerId };
  }

  async openWriter(shard: string, purpose: string): Promise<{ id: string }> {
    const w = await this.ctx.client.openWriter<unknown, unknown>(shard, await this.ctx.handleOptions(shard, purpose));
    this.ctx.owned.writerHandles.set(w.writerId, w);
    this.ctx.nudge();
    return { id: w.writerId };
  }

  async downgradeSince(shard: string, readerId: string, since: number): Promise<{ since: Frontier }> {
    const leased = this.ctx.owned.leased.get(readerId);
    const critical = this.ctx.owned.critical.get(readerId);
    if (!leased && !critical) {
      throw new AppError('Unsupported', 'only readers opened by this app can be downgraded here; the reader\'s own process must downgrade it');
    }
    const current = toFrontier(leased ? leased.since() : critical!.since());
    if (current === null || since <= current) {
      throw new AppError('InvalidUsage', `since is already ${current ?? '[] (closed)'}; a since only moves forward: choose a time after ${current}`);
    }
    if (leased) {
      if (leased.shardId !== shard) throw new AppError('NotFound', `reader ${readerId} does not read shard ${shard}`);
      await leased.downgradeSince([since]);
      this.ctx.nudge();
      return { since: toFrontier(leased.since()) };
    }
    const h = critical!;
    const r = await h.compareAndDowngradeSince(h.opaque(), { opaque: h.opaque(), since: [since] });
    if (!r.ok) throw new AppError('Conflict', 'another process holds this critical reader now (its opaque token changed)');
    this.ctx.nudge();
    return { since: toFrontier(r.since) };
  }

  async expire(shard: string, kind: 'reader' | 'writer', id: string): Promise<void> {
    const { client, owned } = this.ctx;
    if (kind === 'reader') {
      const h = owned.leased.get(id);
      owned.leased.delete(id);
      owned.critical.delete(id);
      if (h) await h.expire().catch(() => undefined);
      await client.admin.expireReader(shard, id).catch((e) => {
        if (!h) throw e;
      });
    } else {
      const h = owned.writerHandles.get(id);
      owned.writerHandles.delete(id);
      if (h) await h.expire().catch(() => undefined);
      await client.admin.expireWriter(shard, id).catch((e) => {
        if (!h) throw e;
      });
    }
    this.ctx.nudge();
  }
}
