// Main's view of change. Each watched shard is followed with the engine's `watchShard` (a push on
// every new version, also from other processes); its pushes are coalesced and turned into detail
// and list pushes. A slow re-read is kept only as a fallback (a missed notification, a location
// whose watch cannot see other processes), and a slow listing finds shards created elsewhere.
import type { ShardInspection } from '../../engine/index.js';
import type { FrontierSample, ShardDetail, ShardSummary } from '../../preload/contract.js';

/** Versions arriving faster than this are coalesced into one push. */
export const PUSH_COALESCE_MS = 250;
/** Fallback re-read of every watched shard. */
export const FALLBACK_POLL_MS = 5000;
/** How often the list of shard ids is read (finds new shards). */
export const LIST_POLL_MS = 2000;

export interface ShardView {
  detail: ShardDetail;
  sample: FrontierSample;
  summary: ShardSummary;
}

export interface WatchSource {
  /** every shard's summary, read now */
  summaries(): Promise<ShardSummary[]>;
  /** the ids of the shards in the location */
  shardIds(): Promise<string[]>;
  /** one shard, read now */
  read(shard: string): Promise<ShardView>;
  /** one shard from an inspection the engine pushed (no read) */
  view(i: ShardInspection): ShardView;
  /** the engine's watch: calls onVersion with every new version; resolves with an unsubscribe */
  watch(shard: string, onVersion: (i: ShardInspection) => void): Promise<() => void>;
}

interface ShardWatch {
  onChange: (d: ShardDetail, s: FrontierSample) => void;
  onError: (e: unknown) => void;
  last: string | null;
}
interface ListWatch {
  onChange: (s: ShardSummary[]) => void;
  onError: (e: unknown) => void;
  last: string | null;
}

interface Followed {
  unsubscribe: Promise<(() => void) | null>;
  pending: ShardInspection | null;
  timer: NodeJS.Timeout | null;
}

const signature = (s: ShardSummary) => `${s.id}:${s.seqno}:${s.generatorRate}`;
const detailSignature = (d: ShardDetail) =>
  `${d.summary.seqno}:${d.summary.generatorRate}:${d.leasedReaders.map((r) => r.id + r.ownedByApp).join()}:${d.writers.map((w) => w.id + w.ownedByApp).join()}`;

export class Watcher {
  private readonly shardWatches = new Map<string, Set<ShardWatch>>();
  private readonly listWatches = new Set<ListWatch>();
  private readonly followed = new Map<string, Followed>();
  /** the list as last pushed, by id (kept current from the engine's pushes) */
  private summaries = new Map<string, ShardSummary>();
  private listTimer: NodeJS.Timeout | null = null;
  private fallbackTimer: NodeJS.Timeout | null = null;
  private listPushTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** counts reads and pushes (tests) */
  readonly stats = { reads: 0, enginePushes: 0 };

  constructor(private readonly source: WatchSource) {
    this.fallbackTimer = setInterval(() => void this.rereadAll(), FALLBACK_POLL_MS);
    this.fallbackTimer.unref?.();
  }

  // ---- following shards with the engine's watch ----------------------------------------------

  private wanted(shard: string): boolean {
    return (this.shardWatches.get(shard)?.size ?? 0) > 0 || (this.listWatches.size > 0 && this.summaries.has(shard));
  }

  private follow(shard: string): void {
    if (this.closed || this.followed.has(shard)) return;
    const f: Followed = { unsubscribe: Promise.resolve(null), pending: null, timer: null };
    f.unsubscribe = this.source
      .watch(shard, (i) => {
        this.stats.enginePushes++;
        f.pending = i;
        if (!f.timer) f.timer = setTimeout(() => this.flush(shard, f), PUSH_COALESCE_MS);
      })
      .catch(() => null); // the fallback poll still covers it
    this.followed.set(shard, f);
  }

  private unfollowIfUnwanted(shard: string): void {
    if (this.wanted(shard)) return;
    const f = this.followed.get(shard);
    if (!f) return;
    this.followed.delete(shard);
    if (f.timer) clearTimeout(f.timer);
    void f.unsubscribe.then((u) => u?.());
  }

  private flush(shard: string, f: Followed): void {
    f.timer = null;
    const i = f.pending;
    f.pending = null;
    if (!i || this.closed) return;
    let v: ShardView;
    try {
      v = this.source.view(i);
    } catch (e) {
      for (const w of this.shardWatches.get(shard) ?? []) w.onError(e);
      return;
    }
    this.deliver(shard, v);
  }

  private deliver(shard: string, v: ShardView, only?: ShardWatch): void {
    const sig = detailSignature(v.detail);
    for (const w of only ? [only] : (this.shardWatches.get(shard) ?? [])) {
      if (w.last === sig) continue;
      w.last = sig;
      w.onChange(v.detail, v.sample);
    }
    if (this.listWatches.size > 0 && this.summaries.has(shard)) {
      this.summaries.set(shard, v.summary);
      this.scheduleListPush();
    }
  }

  // ---- reads (first value, fallback, after the app's own actions) -----------------------------

  private async readShard(shard: string, only?: ShardWatch): Promise<void> {
    this.stats.reads++;
    try {
      this.deliver(shard, await this.source.read(shard), only);
    } catch (e) {
      for (const w of only ? [only] : (this.shardWatches.get(shard) ?? [])) w.onError(e);
    }
  }

  private async readList(only?: ListWatch): Promise<void> {
    this.stats.reads++;
    try {
      const shards = await this.source.summaries();
      this.summaries = new Map(shards.map((s) => [s.id, s]));
      for (const s of shards) this.follow(s.id);
      this.pushList(only);
    } catch (e) {
      for (const w of only ? [only] : this.listWatches) w.onError(e);
    }
  }

  /** Reads the ids only; reads the summaries when a shard appeared or went. */
  private async pollIds(): Promise<void> {
    if (this.listWatches.size === 0) return;
    try {
      const ids = await this.source.shardIds();
      const known = [...this.summaries.keys()];
      const changed = ids.some((id) => !this.summaries.has(id)) || known.some((id) => !ids.includes(id));
      if (changed) await this.readList();
    } catch (e) {
      for (const w of this.listWatches) w.onError(e);
    }
  }

  private async rereadAll(): Promise<void> {
    if (this.closed) return;
    for (const shard of this.shardWatches.keys()) await this.readShard(shard);
    if (this.listWatches.size > 0) await this.readList();
  }

  /** Look now (after an action of the app), without waiting for a push. */
  nudge(): void {
    if (this.closed) return;
    void this.rereadAll();
  }

  private scheduleListPush(): void {
    if (this.listPushTimer) return;
    this.listPushTimer = setTimeout(() => {
      this.listPushTimer = null;
      this.pushList();
    }, PUSH_COALESCE_MS);
  }

  private pushList(only?: ListWatch): void {
    const shards = [...this.summaries.values()].sort((a, b) => a.id.localeCompare(b.id));
    const sig = shards.map(signature).join('|');
    for (const w of only ? [only] : this.listWatches) {
      if (w.last === sig) continue;
      w.last = sig;
      w.onChange(shards);
    }
  }

  // ---- subscriptions ------------------------------------------------------------------------------

  watchShards(onChange: ListWatch['onChange'], onError: ListWatch['onError']): () => void {
    const w: ListWatch = { onChange, onError, last: null };
    this.listWatches.add(w);
    if (!this.listTimer) {
      this.listTimer = setInterval(() => void this.pollIds(), LIST_POLL_MS);
      this.listTimer.unref?.();
    }
    void this.readList(w);
    return () => {
      this.listWatches.delete(w);
      if (this.listWatches.size === 0) {
        if (this.listTimer) clearInterval(this.listTimer);
        this.listTimer = null;
        for (const shard of [...this.followed.keys()]) this.unfollowIfUnwanted(shard);
      }
    };
  }

  watchShard(shard: string, onChange: ShardWatch['onChange'], onError: ShardWatch['onError']): () => void {
    const w: ShardWatch = { onChange, onError, last: null };
    let set = this.shardWatches.get(shard);
    if (!set) this.shardWatches.set(shard, (set = new Set()));
    set.add(w);
    this.follow(shard);
    void this.readShard(shard, w);
    return () => {
      set.delete(w);
      if (set.size === 0 && this.shardWatches.get(shard) === set) this.shardWatches.delete(shard);
      this.unfollowIfUnwanted(shard);
    };
  }

  close(): void {
    this.closed = true;
    if (this.fallbackTimer) clearInterval(this.fallbackTimer);
    if (this.listTimer) clearInterval(this.listTimer);
    if (this.listPushTimer) clearTimeout(this.listPushTimer);
    for (const shard of [...this.followed.keys()]) {
      const f = this.followed.get(shard)!;
      if (f.timer) clearTimeout(f.timer);
      void f.unsubscribe.then((u) => u?.());
    }
    this.followed.clear();
  }
}
