// Main's view of change: the engine has no public "shard changed" event, so one loop per location
// re-reads state (a consensus head read per shard) and pushes only what changed. The renderer
// never polls; it receives these pushes.
import type { FrontierSample, ShardDetail, ShardSummary } from '../../preload/contract.js';

export const SHARD_POLL_MS = 250;
export const LIST_POLL_MS = 1000;

export interface WatchSource {
  /** every shard's summary (also records history) */
  summaries(): Promise<ShardSummary[]>;
  /** one shard's detail and a history sample */
  detail(shard: string): Promise<{ detail: ShardDetail; sample: FrontierSample }>;
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

const signature = (s: ShardSummary) => `${s.id}:${s.seqno}:${s.generatorRate}`;
const detailSignature = (d: ShardDetail) =>
  `${d.summary.seqno}:${d.summary.generatorRate}:${d.leasedReaders.map((r) => r.id + r.ownedByApp).join()}:${d.writers.map((w) => w.id + w.ownedByApp).join()}`;

export class Watcher {
  private readonly shardWatches = new Map<string, Set<ShardWatch>>();
  private readonly listWatches = new Set<ListWatch>();
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private busy = false;
  private closed = false;

  constructor(private readonly source: WatchSource) {
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), SHARD_POLL_MS);
  }

  /** Look now (after an action of the app), without waiting for the next tick. */
  nudge(): void {
    if (this.closed || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.ticks = Math.ceil(this.ticks / 4) * 4 - 1; // the next tick also lists
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      for (const [shard, watches] of this.shardWatches) await this.pollShard(shard, watches);
      if (++this.ticks % (LIST_POLL_MS / SHARD_POLL_MS) === 0 || this.ticks === 1) await this.pollList();
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private async pollShard(shard: string, watches: Set<ShardWatch>, only?: ShardWatch): Promise<void> {
    try {
      const { detail, sample } = await this.source.detail(shard);
      const sig = detailSignature(detail);
      for (const w of only ? [only] : watches) {
        if (w.last === sig) continue;
        w.last = sig;
        w.onChange(detail, sample);
      }
    } catch (e) {
      for (const w of only ? [only] : watches) w.onError(e);
    }
  }

  private async pollList(only?: ListWatch): Promise<void> {
    try {
      const shards = await this.source.summaries();
      const sig = shards.map(signature).join('|');
      for (const w of only ? [only] : this.listWatches) {
        if (w.last === sig) continue;
        w.last = sig;
        w.onChange(shards);
      }
    } catch (e) {
      for (const w of only ? [only] : this.listWatches) w.onError(e);
    }
  }

  watchShards(onChange: ListWatch['onChange'], onError: ListWatch['onError']): () => void {
    const w: ListWatch = { onChange, onError, last: null };
    this.listWatches.add(w);
    void this.pollList(w);
    return () => this.listWatches.delete(w);
  }

  watchShard(shard: string, onChange: ShardWatch['onChange'], onError: ShardWatch['onError']): () => void {
    const w: ShardWatch = { onChange, onError, last: null };
    let set = this.shardWatches.get(shard);
    if (!set) this.shardWatches.set(shard, (set = new Set()));
    set.add(w);
    void this.pollShard(shard, set, w);
    return () => {
      set.delete(w);
      if (set.size === 0 && this.shardWatches.get(shard) === set) this.shardWatches.delete(shard);
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
