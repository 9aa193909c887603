// One opened location: the PersistClient that owns it and everything the app does there, on the
// engine's public API only.
import {
  ClientClosedError,
  LeaseExpiredError,
  newCriticalReaderId,
  newShardId,
  type Antichain,
  type PersistClient,
  type ReadHandle,
  type ShardInspection,
  type WriteHandle,
} from '../../engine/index.js';
import type {
  CompactionJob,
  CompactionPlanInfo,
  CompactionStatus,
  Frontier,
  FrontierSample,
  GcRunResult,
  GcStatusInfo,
  GeneratorStatus,
  LeakedBlobsInfo,
  LocationInfo,
  Params,
  ShardDetail,
  ShardSummary,
  SnapshotPage,
  VersionsInfo,
} from '../../preload/contract.js';
import { AppError, toContractError } from '../router/errors.js';
import { codecByName, parseValue } from './codecs.js';
import { damagedSummary, toDetail, toFrontier, toSummary } from './convert.js';
import { Generator } from './generator.js';
import { FrontierHistory } from './history.js';
import { startLive } from './live.js';
import { OwnedHandles } from './owned-handles.js';
import { SerialQueue } from './serial.js';
import { SnapshotCache, type RowFilter } from './snapshot.js';
import { Workload } from './workload.js';
import type { LiveBatch, LocationApi } from './types.js';
import { Watcher, type ShardView } from './watch.js';
import { compactionPlan, Compactions } from './compaction.js';

interface ShardMeta {
  name: string | null;
  codecs: { key: string; val: string };
}

/** Purposes of the app's own handles, as the Leases tab lists them (with a "this app" badge). */
export const APP_PURPOSE = 'Shardscope: writes and generator';
export const LIVE_PURPOSE = 'Shardscope: Live tab';
export const SNAPSHOT_PURPOSE = 'Shardscope: Data tab';
/**
 * Leaked-blob cleanup spares parts younger than this: a part that young may belong to a writer that
 * uploaded a batch and is about to append it (the engine's own GC never deletes unreferenced parts).
 */
export const LEAKED_MIN_AGE_MS = Number(process.env.SHARDSCOPE_LEAKED_MIN_AGE_MS ?? 10 * 60_000);

export class LocationRuntime implements LocationApi {
  private readonly owned = new OwnedHandles();
  private readonly serial = new SerialQueue();
  private readonly generators = new Map<string, Generator>();
  private readonly samples = new FrontierHistory();
  private readonly snapshots = new SnapshotCache();
  private readonly metas = new Map<string, ShardMeta>();
  private readonly lives = new Set<() => void>();
  private readonly watcher: Watcher;
  private readonly compactions: Compactions;

  constructor(
    readonly info: LocationInfo,
    private readonly client: PersistClient,
    private readonly leakedMinAgeMs: number = LEAKED_MIN_AGE_MS,
    private readonly sandboxPath: string | null = null,
  ) {
    this.watcher = new Watcher({
      summaries: () => this.listShards(),
      shardIds: () => this.client.listShards(),
      read: async (shard) => this.view(await this.inspection(shard)),
      view: (i) => {
        this.noteMeta(i);
        this.samples.record(i.shardId, { t: Date.now(), since: toFrontier(i.since), upper: toFrontier(i.upper) });
        return this.view(i);
      },
      watch: (shard, onVersion) => this.client.watchShard(shard, onVersion),
    });
    this.compactions = new Compactions(client, (shard) => this.metas.get(shard)?.name ?? null, () => this.watcher.nudge());
  }

  engineClient(): PersistClient {
    return this.client;
  }

  sandboxFile(): string | null {
    return this.sandboxPath;
  }

  private view(i: ShardInspection): ShardView {
    const summary = this.summary(i);
    const detail = toDetail(i, summary, Date.now(), this.owned);
    return { detail, summary, sample: { t: detail.readAtMs, since: summary.since, upper: summary.upper } };
  }

  private noteMeta(i: ShardInspection): void {
    if (!this.metas.has(i.shardId)) this.metas.set(i.shardId, { name: i.name ?? null, codecs: i.codecs });
  }

  // ---- reading ----------------------------------------------------------------------------------

  private async inspection(shard: string): Promise<ShardInspection> {
    const i = await this.client.inspectShard(shard);
    this.noteMeta(i);
    this.samples.record(shard, { t: Date.now(), since: toFrontier(i.since), upper: toFrontier(i.upper) });
    return i;
  }

  private summary(i: ShardInspection): ShardSummary {
    return toSummary(i, i.walltimeMs, this.generators.get(i.shardId)?.rate ?? null);
  }

  async listShards(): Promise<ShardSummary[]> {
    const ids = await this.client.listShards();
    const out: ShardSummary[] = [];
    for (const id of ids) {
      try {
        out.push(this.summary(await this.inspection(id)));
      } catch (e) {
        // A shard whose state has not been written yet (seqno 0) is not a shard to show.
        if (e instanceof Error && /does not exist/.test(e.message)) continue;
        if (e instanceof ClientClosedError) throw e;
        // One damaged shard must not hide the healthy ones: it is listed with its error.
        out.push(damagedSummary(id, toContractError(e)));
      }
    }
    return out;
  }

  async inspect(shard: string): Promise<ShardDetail> {
    const i = await this.inspection(shard);
    return toDetail(i, this.summary(i), Date.now(), this.owned);
  }

  history(shard: string): FrontierSample[] {
    return this.samples.get(shard);
  }

  private async meta(shard: string): Promise<ShardMeta> {
    const m = this.metas.get(shard);
    if (m) return m;
    await this.inspection(shard);
    return this.metas.get(shard)!;
  }

  private async handleOptions(shard: string, purpose: string) {
    const m = await this.meta(shard);
    return {
      keyCodec: codecByName(m.codecs.key),
      valCodec: codecByName(m.codecs.val),
      diagnostics: { shardName: m.name ?? shard, handlePurpose: purpose },
    };
  }

  private async internalReader(shard: string, purpose: string): Promise<ReadHandle<unknown, unknown>> {
    const r = await this.client.openLeasedReader<unknown, unknown>(shard, await this.handleOptions(shard, purpose));
    this.owned.internal.add(r.readerId);
    return r;
  }

  async snapshot(shard: string, asOfArg: number | null, offset: number, limit: number, filter: RowFilter = {}): Promise<SnapshotPage> {
    const i = await this.inspection(shard);
    const since = toFrontier(i.since);
    const upper = toFrontier(i.upper);
    let asOf: number;
    if (asOfArg === null) {
      if (upper === 0) return { asOf: 0, total: 0, offset, rows: [], codecs: i.codecs };
      asOf = upper === null ? Math.max(since ?? 0, ...i.batches.map((b) => (b.upper.length ? b.upper[0] - 1 : 0))) : upper - 1;
    } else {
      asOf = asOfArg;
      if (upper !== null && asOf >= upper) {
        throw new AppError('InvalidUsage', `as_of ${asOf} is not readable yet: the shard's upper is ${upper}; choose a time below ${upper}`);
      }
    }
    if (since === null || asOf < since) {
      throw new AppError('Since', `as_of ${asOf} is before the shard's since ${since ?? '[] (closed)'}: earlier times are compacted away; choose ${since ?? 'another shard'} or later`);
    }
    return this.snapshots.page(shard, asOf, i.codecs, () => this.internalReader(shard, SNAPSHOT_PURPOSE), offset, limit, filter);
  }

  async listen(shard: string, onBatch: (b: LiveBatch) => void, onError: (e: unknown) => void): Promise<() => void> {
    const reader = await this.internalReader(shard, LIVE_PURPOSE);
    let stop: () => void;
    try {
      const i = await this.client.inspectShard(shard);
      stop = await startLive(reader, i.upper, i.codecs, onBatch, onError);
    } catch (e) {
      this.owned.internal.delete(reader.readerId);
      await reader.expire().catch(() => undefined);
      throw e;
    }
    const wrapped = () => {
      this.lives.delete(wrapped);
      this.owned.internal.delete(reader.readerId);
      stop();
    };
    this.lives.add(wrapped);
    return wrapped;
  }

  watchShards(onChange: (s: ShardSummary[]) => void, onError: (e: unknown) => void): () => void {
    return this.watcher.watchShards(onChange, onError);
  }

  watchShard(shard: string, onChange: (d: ShardDetail, s: FrontierSample) => void, onError: (e: unknown) => void): () => void {
    return this.watcher.watchShard(shard, onChange, onError);
  }

  // ---- writing ----------------------------------------------------------------------------------

  async createShard(name: string, keyCodec: string, valCodec: string): Promise<ShardSummary> {
    const existing = (await this.listShards()).find((s) => s.name === name);
    if (existing) throw new AppError('Conflict', `a shard named "${name}" already exists (${existing.id}); choose another name`);
    const shard = newShardId();
    this.metas.set(shard, { name, codecs: { key: keyCodec, val: valCodec } });
    await this.appWriter(shard);
    this.watcher.nudge();
    return this.summary(await this.inspection(shard));
  }

  /** The app's own writer of a shard, opened on first use. */
  private appWriter(shard: string): Promise<WriteHandle<unknown, unknown>> {
    let w = this.owned.appWriters.get(shard);
    if (!w) {
      w = this.handleOptions(shard, APP_PURPOSE).then((o) => this.client.openWriter<unknown, unknown>(shard, o));
      w.then((h) => this.owned.internal.add(h.writerId), () => this.owned.appWriters.delete(shard));
      this.owned.appWriters.set(shard, w);
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
        this.owned.appWriters.delete(shard);
        return f(await this.appWriter(shard));
      }
    });
  }

  private static openUpper(u: Antichain): number {
    if (u.length === 0) throw new AppError('Conflict', 'the shard is closed for writes (its upper is [])');
    return u[0];
  }

  async write(shard: string, updates: Params<'shard.write'>['updates'], upperArg: number | null): Promise<{ upper: Frontier; written: number }> {
    const m = await this.meta(shard);
    const rows = updates.map((u, n) => {
      const key = parseValue(m.codecs.key, u.key, `update ${n + 1}: key`);
      const val = parseValue(m.codecs.val, u.val, `update ${n + 1}: value`);
      return { key, val, time: u.time, diff: u.diff };
    });
    const result = await this.withWriter(shard, async (w) => {
      const lower = LocationRuntime.openUpper(await w.fetchRecentUpper());
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
    this.watcher.nudge();
    return result;
  }

  async advanceUpper(shard: string, to: number): Promise<{ upper: Frontier }> {
    await this.withWriter(shard, async (w) => {
      const lower = LocationRuntime.openUpper(await w.fetchRecentUpper());
      if (to <= lower) throw new AppError('InvalidUsage', `the upper is already ${lower}; advance it to a time after ${lower}`);
      const r = await w.compareAndAppend([], [lower], [to]);
      if (!r.ok) throw new AppError('Conflict', `another writer moved the upper to ${JSON.stringify(r.current)} first; try again`);
    });
    this.watcher.nudge();
    return { upper: to };
  }

  async startGenerator(shard: string, rate: number): Promise<GeneratorStatus> {
    const running = this.generators.get(shard);
    if (running) {
      running.rate = rate;
      this.watcher.nudge();
      return running.status();
    }
    const m = await this.meta(shard);
    const g = new Generator(shard, rate, m.codecs, (make) =>
      this.withWriter(shard, async (w) => {
        const lower = LocationRuntime.openUpper(w.upper());
        const updates = [...make(lower)];
        const r = await w.compareAndAppend(updates, [lower], [lower + 1]);
        if (r.ok) return updates.length;
        await w.fetchRecentUpper(); // someone else wrote: the next tick writes at their upper
        return 0;
      }),
    );
    this.generators.set(shard, g);
    this.watcher.nudge();
    return g.status();
  }

  stopGenerator(shard: string): GeneratorStatus | null {
    const g = this.generators.get(shard);
    if (!g) return null;
    this.generators.delete(shard);
    this.watcher.nudge();
    return g.stop();
  }

  // ---- handles and leases -----------------------------------------------------------------------

  async openReader(shard: string, purpose: string, kind: 'leased' | 'critical'): Promise<{ id: string }> {
    if (kind === 'leased') {
      const r = await this.client.openLeasedReader<unknown, unknown>(shard, await this.handleOptions(shard, purpose));
      this.owned.leased.set(r.readerId, r);
      this.watcher.nudge();
      return { id: r.readerId };
    }
    await this.meta(shard); // fails for an unknown shard
    const h = await this.client.openCriticalSince(shard, newCriticalReaderId(), { purpose });
    this.owned.critical.set(h.readerId, h);
    this.watcher.nudge();
    return { id: h.readerId };
  }

  async openWriter(shard: string, purpose: string): Promise<{ id: string }> {
    const w = await this.client.openWriter<unknown, unknown>(shard, await this.handleOptions(shard, purpose));
    this.owned.writerHandles.set(w.writerId, w);
    this.watcher.nudge();
    return { id: w.writerId };
  }

  async downgradeSince(shard: string, readerId: string, since: number): Promise<{ since: Frontier }> {
    const leased = this.owned.leased.get(readerId);
    const critical = this.owned.critical.get(readerId);
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
      this.watcher.nudge();
      return { since: toFrontier(leased.since()) };
    }
    const h = critical!;
    const r = await h.compareAndDowngradeSince(h.opaque(), { opaque: h.opaque(), since: [since] });
    if (!r.ok) throw new AppError('Conflict', 'another process holds this critical reader now (its opaque token changed)');
    this.watcher.nudge();
    return { since: toFrontier(r.since) };
  }

  async expire(shard: string, kind: 'reader' | 'writer', id: string): Promise<void> {
    if (kind === 'reader') {
      const h = this.owned.leased.get(id);
      this.owned.leased.delete(id);
      this.owned.critical.delete(id);
      if (h) await h.expire().catch(() => undefined);
      await this.client.admin.expireReader(shard, id).catch((e) => {
        if (!h) throw e;
      });
    } else {
      const h = this.owned.writerHandles.get(id);
      this.owned.writerHandles.delete(id);
      if (h) await h.expire().catch(() => undefined);
      await this.client.admin.expireWriter(shard, id).catch((e) => {
        if (!h) throw e;
      });
    }
    this.watcher.nudge();
  }

  // ---- compaction, GC, state history, leaked blobs -------------------------------------------------

  compactionPlan(shard: string): Promise<CompactionPlanInfo> {
    return compactionPlan(this.client, shard);
  }

  async startCompaction(shard: string): Promise<CompactionJob> {
    await this.meta(shard); // fails for an unknown shard
    return this.compactions.start(shard);
  }

  cancelCompaction(shard: string): CompactionJob | null {
    return this.compactions.cancel(shard);
  }

  compactionStatus(shard: string): CompactionStatus {
    return this.compactions.status(shard);
  }

  watchCompaction(shard: string, onChange: (s: CompactionStatus) => void): () => void {
    return this.compactions.watch(shard, onChange);
  }

  async gcStatus(shard: string): Promise<GcStatusInfo> {
    await this.meta(shard);
    return { ...(await this.client.admin.gcStatus(shard)) };
  }

  async runGc(shard: string): Promise<GcRunResult> {
    await this.meta(shard);
    const r = await this.client.admin.forceGc(shard);
    const after = await this.client.admin.gcStatus(shard);
    this.watcher.nudge();
    return { deletedBlobs: r.deletedBlobs, truncatedVersions: r.truncatedVersions, after: { ...after } };
  }

  async versions(shard: string, limit: number): Promise<VersionsInfo> {
    await this.meta(shard);
    const [changes, gc] = await Promise.all([this.client.admin.history(shard, { limit }), this.client.admin.gcStatus(shard)]);
    return { seqno: gc.seqno, earliestRetained: gc.earliestRetained, changes: changes.map((c) => ({ ...c })) };
  }

  async inspectAt(shard: string, seqno: number): Promise<ShardDetail> {
    const i = await this.client.inspectShard(shard, { seqno });
    return toDetail(i, toSummary(i, i.walltimeMs, null), Date.now(), this.owned);
  }

  /** Sandbox action: a writer uploads a batch and never appends it — its parts are leaked blobs. */
  async uploadBatch(shard: string, count: number): Promise<{ len: number }> {
    const m = await this.meta(shard);
    const w = await this.client.openWriter<unknown, unknown>(shard, await this.handleOptions(shard, 'shardscope upload without append'));
    try {
      const lower = LocationRuntime.openUpper(await w.fetchRecentUpper());
      const updates = new Workload(m.codecs).next(count, lower);
      const batch = await w.batch(updates, [lower], [lower + 1]);
      return { len: batch.len };
    } finally {
      await w.expire().catch(() => undefined);
      this.watcher.nudge();
    }
  }

  async leakedBlobs(): Promise<LeakedBlobsInfo> {
    const unreferenced = await this.client.admin.unreferencedBlobInfo();
    const now = Date.now();
    const names = new Map<string, string | null>();
    const nameOf = async (shard: string): Promise<string | null> => {
      if (!names.has(shard)) names.set(shard, this.metas.get(shard)?.name ?? (await this.client.inspectShard(shard).then((i) => i.name ?? null, () => null)));
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
      for (const u of await this.client.admin.blobUsage(shard)) {
        if (u.shard === shard) usage.push({ ...u, shardName: await nameOf(shard) });
      }
    }
    return { checkedAtMs: now, minAgeMs: this.leakedMinAgeMs, blobs, usage };
  }

  async deleteLeakedBlobs(keys: string[], confirmName: string): Promise<{ deleted: string[]; notDeleted: number; freedBytes: number }> {
    if (confirmName !== this.info.label) {
      throw new AppError('BadRequest', `type the location's name "${this.info.label}" exactly to confirm the deletion`);
    }
    const bytes = async () => (await this.client.admin.blobUsage()).reduce((n, u) => n + u.partBytes + u.rollupBytes + u.otherBytes, 0);
    const before = await bytes();
    const deleted = await this.client.admin.deleteUnreferencedBlobs(keys, { minAgeMs: this.leakedMinAgeMs });
    const after = await bytes();
    return { deleted, notDeleted: keys.length - deleted.length, freedBytes: Math.max(0, before - after) };
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  async close(): Promise<void> {
    this.compactions.close();
    this.watcher.close();
    for (const g of this.generators.values()) g.stop();
    this.generators.clear();
    for (const stop of [...this.lives]) stop();
    await this.owned.expireAll();
    await this.client.close();
  }
}
