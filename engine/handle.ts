// What every handle shares: its client, its shard's machine, a background heartbeat, and the
// rules for closed clients and expired leases.
import { ClientClosedError, LeaseExpiredError } from './errors.js';
import type { Machine, RoutineMaintenance } from './machine.js';
import type { PersistConfig } from './config.js';
import type { Blob, Consensus } from './location/types.js';
import type { Codec } from './codec.js';

export interface HandleOptions<K, V> {
  keyCodec: Codec<K>;
  valCodec: Codec<V>;
  diagnostics?: { shardName: string; handlePurpose: string };
}

export interface ClientContext {
  readonly config: PersistConfig;
  readonly blob: Blob;
  readonly consensus: Consensus;
  /** starts the background work a command's new version called for (compaction, GC) */
  maintain(machine: Machine, maintenance: RoutineMaintenance): void;
  /** true from the moment close() starts, so that the waits it wakes answer ClientClosedError */
  isClosed(): boolean;
  /** background steps (heartbeats, a listen's since downgrade) register here so client.idle() can wait for them */
  track(shardId: string, step: Promise<unknown>): void;
  /** handles register so that close() can expire them */
  register(h: { expire(): Promise<void> }): () => void;
}

/** A part's lease ran out, not the handle's: the handle stays usable. */
export class PartLeaseExpiredError extends LeaseExpiredError {}

export abstract class HandleBase {
  protected expired = false;
  private timer: NodeJS.Timeout | null = null;
  private unregister: () => void;

  constructor(
    protected readonly ctx: ClientContext,
    protected readonly machine: Machine,
    readonly kind: string,
    readonly id: string,
  ) {
    this.unregister = ctx.register(this);
  }

  protected startHeartbeat(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.expired || this.ctx.isClosed()) return this.stopHeartbeat();
      const beat = this.heartbeat().catch((e) => {
        if (e instanceof LeaseExpiredError) this.markExpired();
      });
      this.ctx.track(this.machine.shardId, beat);
    }, Math.max(10, intervalMs));
    this.timer.unref();
  }

  protected abstract heartbeat(): Promise<void>;

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  protected markExpired(): void {
    this.expired = true;
    this.stopHeartbeat();
    this.unregister();
  }

  /** Every public call starts here: a closed client or an expired handle rejects. */
  protected check(): void {
    if (this.ctx.isClosed()) throw new ClientClosedError();
    if (this.expired) throw new LeaseExpiredError(`${this.kind} ${this.id} of shard ${this.machine.shardId} has expired`);
  }

  /**
   * Runs a state operation; a LeaseExpiredError from state marks this handle expired. Whatever
   * fails because the client closed meanwhile (its storage is gone) is ClientClosedError.
   */
  protected async guard<R>(op: () => Promise<R>): Promise<R> {
    this.check();
    try {
      return await op();
    } catch (e) {
      if (this.ctx.isClosed() && !(e instanceof ClientClosedError)) throw new ClientClosedError();
      if (e instanceof LeaseExpiredError && !(e instanceof PartLeaseExpiredError)) this.markExpired();
      throw e;
    }
  }

  abstract expire(): Promise<void>;
}
