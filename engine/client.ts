// PersistClient: one per location in a process. It shares one Machine per shard among all of its
// handles, so they see each other's writes at once and never race each other's CAS.
import { defaultConfig, type PersistConfig } from './config.js';
import { ClientClosedError, InvalidUsageError } from './errors.js';
import type { ClientContext, HandleOptions } from './handle.js';
import { isShardId, newLeasedReaderId, newWriterId, parseCriticalReaderId, parseShardId } from './ids.js';
import { inspectState, type ShardInspection } from './inspect.js';
import { openLocation, openSandboxLocation } from './location/uri.js';
import type { Blob, Consensus } from './location/types.js';
import { retryExternal } from './location/retry.js';
import { Machine } from './machine.js';
import { ReadHandleImpl, type ReadHandle } from './read.js';
import { SinceHandleImpl, type SinceHandle } from './since.js';
import { WriteHandleImpl, type WriteHandle } from './write.js';
import type { Codec } from './codec.js';
import type { Antichain } from './antichain.js';
import { AdminImpl, type Admin } from './admin/admin.js';
import { registerAdminDeps, type AdminDeps } from './admin/deps.js';
import { Compactor, type CompactionOutcome } from './compact/compactor.js';
import { GcScheduler } from './gc.js';

export interface PersistLocation {
  blob: string;
  consensus: string;
}

export type { HandleOptions } from './handle.js';

export class PersistClient {
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly machines = new Map<string, Promise<Machine>>();
  /** heartbeats and since downgrades under way, per shard (see idle) */
  private readonly background = new Map<string, Set<Promise<void>>>();
  private readonly handles = new Set<{ expire(): Promise<void> }>();
  readonly config: PersistConfig;
  readonly admin: Admin;
  private readonly ctx: ClientContext;
  private readonly compactor: Compactor;
  private readonly gc: GcScheduler;
  private readonly compactionListeners = new Set<(o: CompactionOutcome) => void>();

  private constructor(
    private readonly consensus: Consensus,
    private readonly blob: Blob,
    config: Partial<PersistConfig> | undefined,
  ) {
    this.config = { ...defaultConfig(), ...(config ?? {}) };
    this.compactor = new Compactor({ blob, config: this.config, onCompaction: (o) => this.compactionListeners.forEach((l) => l(o)) });
    this.gc = new GcScheduler({ consensus, blob });
    this.ctx = {
      config: this.config,
      blob,
      consensus,
      maintain: (machine, m) => {
        if (m.compact) this.compactor.maybeCompact(machine);
        if (m.rollup) this.ctx.track(machine.shardId, machine.writeRollupForCurrent());
        if (m.gc) this.gc.maybeRun(machine);
      },
      isClosed: () => this.closed || this.closing !== null,
      track: (shardId, step) => {
        let steps = this.background.get(shardId);
        if (!steps) this.background.set(shardId, (steps = new Set()));
        const settled = step.then(
          () => undefined,
          () => undefined,
        );
        steps.add(settled);
        void settled.then(() => steps.delete(settled));
      },
      register: (h) => {
        this.handles.add(h);
        return () => this.handles.delete(h);
      },
    };
    const client = this;
    const deps: AdminDeps = {
      config: this.config,
      consensus,
      blob,
      compactor: this.compactor,
      get isClosed() {
        return client.isClosed;
      },
      machine: (shard) => this.machine(shard),
      listShards: () => this.listShards(),
      inspectShard: (shard, at) => this.inspectShard(shard, at),
      openLeasedReader: (shard, opts) => this.openLeasedReader(shard, opts),
      openWriter: (shard, opts) => this.openWriter(shard, opts),
    };
    registerAdminDeps(this, deps);
    this.admin = new AdminImpl(deps);
  }

  static async open(location: PersistLocation, config?: Partial<PersistConfig>): Promise<PersistClient> {
    const { consensus, blob } = await openLocation(location);
    return new PersistClient(consensus, blob, config);
  }

  /**
   * A client over Consensus and Blob objects the caller built (custom locations, fault-injecting
   * wrappers in tests). The client owns them and closes them.
   */
  static openWith(location: { consensus: Consensus; blob: Blob }, config?: Partial<PersistConfig>): PersistClient {
    return new PersistClient(location.consensus, location.blob, config);
  }

  static async openSandbox(path: string, config?: Partial<PersistConfig>): Promise<PersistClient> {
    const { consensus, blob } = await openSandboxLocation(path);
    return new PersistClient(consensus, blob, config);
  }

  private check(): void {
    if (this.closed || this.closing) throw new ClientClosedError();
  }

  /** The shared machine of a shard (loading its state on first use). */
  private async machine(shardArg: string): Promise<Machine> {
    this.check();
    const shardId = parseShardId(shardArg);
    let m = this.machines.get(shardId);
    if (!m) {
      m = Machine.open(shardId, {
        consensus: this.consensus,
        blob: this.blob,
        config: this.config,
        isClosing: () => this.closing !== null,
        maintain: (machine, maintenance) => this.ctx.maintain(machine, maintenance),
      });
      this.machines.set(shardId, m);
      m.catch(() => this.machines.delete(shardId));
    }
    return m;
  }

  async open<K, V>(shard: string, opts: HandleOptions<K, V>): Promise<[WriteHandle<K, V>, ReadHandle<K, V>]> {
    const w = await this.openWriter(shard, opts);
    try {
      return [w, await this.openLeasedReader(shard, opts)];
    } catch (e) {
      await w.expire().catch(() => undefined);
      throw e;
    }
  }

  async openWriter<K, V>(shard: string, opts: HandleOptions<K, V>): Promise<WriteHandle<K, V>> {
    checkOptions(opts);
    const machine = await this.machine(shard);
    const writerId = newWriterId();
    await machine.registerWriter({
      writerId,
      purpose: opts.diagnostics?.handlePurpose ?? 'writer',
      hostname: this.config.hostname,
      leaseDurationMs: this.config.writerLeaseDurationMs,
      codecs: { key: opts.keyCodec.name, val: opts.valCodec.name },
      name: opts.diagnostics?.shardName,
    });
    return new WriteHandleImpl(this.ctx, machine, writerId, opts.keyCodec, opts.valCodec);
  }

  async openLeasedReader<K, V>(shard: string, opts: HandleOptions<K, V>): Promise<ReadHandle<K, V>> {
    checkOptions(opts);
    return this.registerReader(shard, opts, opts.diagnostics?.handlePurpose ?? 'reader');
  }

  private async registerReader<K, V>(
    shard: string,
    opts: HandleOptions<K, V>,
    purpose: string,
    since?: Antichain,
  ): Promise<ReadHandleImpl<K, V>> {
    const machine = await this.machine(shard);
    const readerId = newLeasedReaderId();
    const r = await machine.registerLeasedReader({
      readerId,
      purpose,
      hostname: this.config.hostname,
      leaseDurationMs: this.config.readerLeaseDurationMs,
      codecs: { key: opts.keyCodec.name, val: opts.valCodec.name },
      name: opts.diagnostics?.shardName,
      since,
    });
    return new ReadHandleImpl(this.ctx, machine, readerId, r.since, opts.keyCodec, opts.valCodec, (since2, purpose2) =>
      this.registerReader(shard, opts, purpose2, since2),
    );
  }

  async openCriticalSince(shard: string, readerId: string, opts: { purpose: string }): Promise<SinceHandle> {
    const id = parseCriticalReaderId(readerId);
    const machine = await this.machine(shard);
    const r = await machine.registerCriticalReader({ readerId: id, purpose: String(opts?.purpose ?? '') });
    return new SinceHandleImpl(this.ctx, machine, id, r);
  }

  async listShards(): Promise<string[]> {
    this.check();
    const keys = await retryExternal(() => this.consensus.listKeys(), 'list shards');
    return keys.filter(isShardId).sort();
  }

  async inspectShard(shard: string, at?: { seqno: number }): Promise<ShardInspection> {
    const machine = await this.machine(shard);
    await machine.refresh();
    if (machine.current.seqno === 0) {
      throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
    }
    if (at === undefined) return inspectState(machine.current);
    if (typeof at !== 'object' || at === null || !Number.isSafeInteger(at.seqno)) {
      throw new InvalidUsageError('InvalidArgument', 'at must be { seqno: integer }');
    }
    return inspectState(await machine.stateAt(at.seqno));
  }

  /**
   * Calls `listener` with the shard's inspection each time a new version of it is known (pushed by
   * the location's watch, not polled). Returns an unsubscribe.
   */
  async watchShard(shard: string, listener: (s: ShardInspection) => void): Promise<() => void> {
    const machine = await this.machine(shard);
    return machine.subscribe((state) => listener(inspectState(state)));
  }

  /** Every compaction this client finishes (background or forced), applied or discarded. */
  onCompaction(listener: (o: CompactionOutcome) => void): () => void {
    this.compactionListeners.add(listener);
    return () => this.compactionListeners.delete(listener);
  }

  /**
   * Idempotent. Lets background steps settle, expires this client's handles (best effort), then
   * settles every pending wait (fetchNext, snapshots, waitForUpperPast) with ClientClosedError and
   * closes the location.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    // From here on handles answer ClientClosedError, also the waits woken by their own expiry.
    for (const id of this.machines.keys()) await this.compactor.idle(id).catch(() => undefined);
    // A rollup in flight would otherwise be left in blob, named by no version.
    await Promise.allSettled([...this.machines.values()].map((m) => m.then((x) => x.rollupIdle())));
    await this.gc.idle();
    const handles = [...this.handles];
    await Promise.allSettled(handles.map((h) => h.expire()));
    this.closed = true;
    const machines = [...this.machines.values()];
    this.machines.clear();
    await Promise.allSettled(machines.map((m) => m.then((x) => x.close())));
    await Promise.allSettled([this.consensus.close(), this.blob.close()]);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The raw storage under this client, for tools and tests; writing it bypasses every guarantee. */
  get storage(): { consensus: Consensus; blob: Blob } {
    return { consensus: this.consensus, blob: this.blob };
  }

  /**
   * Resolves once every background step this client started (heartbeats, since downgrades of
   * listens, compaction, GC) for the shard, or
   * for all shards, has settled. Loops because one settled step may start the next.
   */
  async idle(shard?: string): Promise<void> {
    const ids = shard === undefined ? [...this.machines.keys()] : [parseShardId(shard)];
    for (let round = 0; round < 1000; round++) {
      const steps = (id: string) => [...(this.background.get(id) ?? [])];
      const busy = ids.filter((id) => this.compactor.isRunning(id) || this.gc.isRunning(id) || steps(id).length > 0);
      if (busy.length === 0) return;
      await Promise.all(busy.map((id) => Promise.all([this.compactor.idle(id), this.gc.idleShard(id), ...steps(id)])));
    }
  }
}

function checkOptions(opts: HandleOptions<unknown, unknown>): void {
  const ok = (c: unknown): boolean =>
    typeof c === 'object' && c !== null && typeof (c as Codec<unknown>).name === 'string' &&
    typeof (c as Codec<unknown>).encode === 'function' && typeof (c as Codec<unknown>).decode === 'function';
  if (!opts || !ok(opts.keyCodec) || !ok(opts.valCodec)) {
    throw new InvalidUsageError('InvalidArgument', 'keyCodec and valCodec must be codecs ({ name, encode, decode })');
  }
}
