// The workload generator: appends `rate` updates per second to a shard, one append per tick,
// through the app's writer. A slow tick never queues work: the next one writes what is due.
import type { GeneratorStatus } from '../../preload/contract.js';
import { Workload } from './workload.js';

const TICK_MS = 100;
/** Never more than a second of backlog in one append. */
const MAX_DUE_SECONDS = 1;

export type AppendAtUpper = (make: (time: number) => Iterable<readonly [unknown, unknown, number, number]>) => Promise<number>;

export class Generator {
  private running = true;
  private written = 0;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private carry = 0;
  private last = Date.now();
  private readonly workload: Workload;

  constructor(
    readonly shard: string,
    public rate: number,
    codecs: { key: string; val: string },
    private readonly append: AppendAtUpper,
  ) {
    this.workload = new Workload(codecs);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const start = Date.now();
    const due = Math.min(this.rate * ((start - this.last) / 1000), this.rate * MAX_DUE_SECONDS) + this.carry;
    this.last = start;
    const n = Math.floor(due);
    this.carry = due - n;
    try {
      if (n > 0) this.written += await this.append((time) => this.workload.next(n, time));
      this.lastError = null;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
    }
    this.schedule(Math.max(0, TICK_MS - (Date.now() - start)));
  }

  status(): GeneratorStatus {
    return { shard: this.shard, rate: this.rate, written: this.written, running: this.running, lastError: this.lastError };
  }

  stop(): GeneratorStatus {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    return this.status();
  }
}
