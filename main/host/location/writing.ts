// Writing to a location with the app's own writer: creating a shard, appending updates, advancing
// the upper, the demo generator, and the sandbox's "upload without append" (a leaked batch).
import { LeaseExpiredError, newShardId, type WriteHandle } from '../../../engine/index.js';
import type { Frontier, GeneratorStatus, Params, ShardSummary } from '../../../preload/contract.js';
import { AppError } from '../../router/errors.js';
import { parseValue } from '../codecs.js';
import { Generator } from '../generator.js';
import { SerialQueue } from '../serial.js';
import { Workload } from '../workload.js';
import { openUpper, type LocationContext } from './context.js';

/** Purpose of the app's own writer, as the Leases tab lists it (with a "this app" badge). */
export const APP_PURPOSE = 'Shardscope: writes and generator';

export class Writing {
  private readonly serial = new SerialQueue();

  constructor(
    private readonly ctx: LocationContext,
    private readonly listShards: () => Promise<ShardSummary[]>,
  ) {}

  async createShard(name: string, keyCodec: string, valCodec: string): Promise<ShardSummary> {
    const existing = (await this.listShards()).find((s) => s.name === name);
    if (existing) throw new AppError('Conflict', `a shard named "${name}" already exists (${existing.id}); choose another name`);
    const shard = newShardId();
    this.ctx.metas.set(shard, { name, codecs: { key: keyCodec, val: valCodec } });
    await this.appWriter(shard);
    this.ctx.nudge();
    return this.ctx.summary(await this.ctx.inspection(shard));
  }

  /** The app's own writer of a shard, opened on first use. */
  private appWriter(shard: string): Promise<WriteHandle<unknown, unknown>> {
    const owned = this.ctx.owned;
    let w = owned.appWriters.get(shard);
    if (!w) {
      w = this.ctx.handleOptions(shard, APP_PURPOSE).then((o) => this.ctx.client.openWriter<unknown, unknown>(shard, o));
      w.then((h) => owned.internal.add(h.writerId), () => owned.appWriters.delete(shard));
      owned.appWriters.set(shard, w);
    }
    return w;
  }

  /** Runs an append with the app's writer, reopening it once if its lease was expired. */
  private async withWriter<T>(shard: string, f: (w: WriteHandle<unknown, unknown>) => Promise<T>): Promise<T> {
    return this.serial.run(shard, async () => {
      try {
        return await f(await this.appWriter(shard));
      } catch (e) {
        if (!(e instanceof LeaseExpiredError)) throw e;
        this.ctx.owned.appWriters.delete(shard);
        return f(await this.appWriter(shard));
      }
    });
  }

  async write(shard: string, updates: Params<'shard.write'>['updates'], upperArg: number | null): Promise<{ upper: Frontier; written: number }> {
    const m = await this.ctx.meta(shard);
    const rows = updates.map((u, n) => {
      const key = parseValue(m.codecs.key, u.key, `update ${n + 1}: key`);
      const val = parseValue(m.codecs.val, u.val, `update ${n + 1}: value`);
      return { key, val, time: u.time, diff: u.diff };
    });
    const result = await this.withWriter(shard, async (w) => {
      const lower = openUpper(await w.fetchRecentUpper());
      let max = lower - 1;
      const batch = rows.map((r, n) => {
        const t = r.time ?? lower;
        if (t < lower) {
          throw new AppError('InvalidUsage', `update ${n + 1}: time ${t} is before the shard's upper ${lower}; write at time ${lower} or later`);
        }
        max = Math.max(max, t);
        return [r.key, r.val, t, r.diff] as const;
      });
      const upper = upperArg ?? Math.max(max, lower) + 1;
      if (upper <= max) throw new AppError('InvalidUsage', `upper ${upper} must be past every update's time (the largest is ${max})`);
      if (upper <= lower) throw new AppError('InvalidUsage', `upper ${upper} must be past the shard's upper ${lower}`);
      const r = await w.compareAndAppend(batch, [lower], [upper]);
      if (!r.ok) throw new AppError('Conflict', `another writer moved the upper to ${JSON.stringify(r.current)} first; try again`);
      return { upper, written: batch.length };
    });
    this.ctx.nudge();
    return result;
  }

  async advanceUpper(shard: string, to: number): Promise<{ upper: Frontier }> {
    await this.withWriter(shard, async (w) => {
      const lower = openUpper(await w.fetchRecentUpper());
      if (to <= lower) throw new AppError('InvalidUsage', `the upper is already ${lower}; advance it to a time after ${lower}`);
      const r = await w.compareAndAppend([], [lower], [to]);
      if (!r.ok) throw new AppError('Conflict', `another writer moved the upper to ${JSON.stringify(r.current)} first; try again`);
    });
    this.ctx.nudge();
    return { upper: to };
  }

  async startGenerator(shard: string, rate: number): Promise<GeneratorStatus> {
    const generators = this.ctx.generators;
    const running = generators.get(shard);
    if (running) {
      running.rate = rate;
      this.ctx.nudge();
      return running.status();
    }
    const m = await this.ctx.meta(shard);
    const g = new Generator(shard, rate, m.codecs, (make) =>
      this.withWriter(shard, async (w) => {
        const lower = openUpper(w.upper());
        const updates = [...make(lower)];
        const r = await w.compareAndAppend(updates, [lower], [lower + 1]);
        if (r.ok) return updates.length;
        await w.fetchRecentUpper(); // someone else wrote: the next tick writes at their upper
        return 0;
      }),
    );
    generators.set(shard, g);
    this.ctx.nudge();
    return g.status();
  }

  stopGenerator(shard: string): GeneratorStatus | null {
    const g = this.ctx.generators.get(shard);
    if (!g) return null;
    this.ctx.generators.delete(shard);
    this.ctx.nudge();
    return g.stop();
  }

  stopGenerators(): void {
    for (const g of this.ctx.generators.values()) g.stop();
    this.ctx.generators.clear();
  }

  /** Sandbox action: a writer uploads a batch and never appends it — its parts are leaked blobs. */
  async uploadBatch(shard: string, count: number): Promise<{ len: number }> {
    const m = await this.ctx.meta(shard);
    const w = await this.ctx.client.openWriter<unknown, unknown>(shard, await this.ctx.handleOptions(shard, 'shardscope upload without append'));
    try {
      const lower = openUpper(await w.fetchRecentUpper());
      const updates = new Workload(m.codecs).next(count, lower);
      const batch = await w.batch(updates, [lower], [lower + 1]);
      return { len: batch.len };
    } finally {
      await w.expire().catch(() => undefined);
      this.ctx.nudge();
    }
  }
}
