// SinceHandle: a critical reader. It never expires; its since moves only by a compare-and-set on
// an opaque token, so two processes that both think they own it cannot both move it.
import { checkAntichain, type Antichain } from './antichain.js';
import { InvalidUsageError } from './errors.js';
import type { ClientContext } from './handle.js';
import type { Machine } from './machine.js';
import type { CriticalReaderState } from './state/types.js';
import { ClientClosedError } from './errors.js';

export interface SinceHandle {
  readonly readerId: string;
  since(): Antichain;
  opaque(): string;
  compareAndDowngradeSince(
    expectedOpaque: string,
    next: { opaque: string; since: Antichain },
  ): Promise<{ ok: true; since: Antichain } | { ok: false; opaque: string }>;
}

export class SinceHandleImpl implements SinceHandle {
  private sinceValue: Antichain;
  private opaqueValue: string;

  constructor(
    private readonly ctx: ClientContext,
    private readonly machine: Machine,
    readonly readerId: string,
    state: CriticalReaderState,
  ) {
    this.sinceValue = state.since;
    this.opaqueValue = state.opaque;
  }

  since(): Antichain {
    return this.sinceValue;
  }

  opaque(): string {
    return this.opaqueValue;
  }

  async compareAndDowngradeSince(
    expectedOpaque: string,
    next: { opaque: string; since: Antichain },
  ): Promise<{ ok: true; since: Antichain } | { ok: false; opaque: string }> {
    if (this.ctx.isClosed()) throw new ClientClosedError();
    if (typeof expectedOpaque !== 'string' || typeof next?.opaque !== 'string') {
      throw new InvalidUsageError('InvalidArgument', 'opaque tokens must be strings');
    }
    const since = checkAntichain(next.since, 'since');
    const res = await this.machine.compareAndDowngradeSince({ readerId: this.readerId, expectedOpaque, opaque: next.opaque, since });
    if (res.ok) {
      this.sinceValue = res.since;
      this.opaqueValue = next.opaque;
    } else {
      this.opaqueValue = res.opaque;
    }
    return res;
  }
}
