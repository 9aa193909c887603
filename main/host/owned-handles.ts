// The engine handles the app itself holds in one location: its writer per shard (used by Write,
// Advance upper and the generator) and the readers and writers a user opened from the Leases tab.
import type { ReadHandle, SinceHandle, WriteHandle } from '../../engine/index.js';
import type { Ownership } from './convert.js';

export class OwnedHandles implements Ownership {
  readonly appWriters = new Map<string, Promise<WriteHandle<unknown, unknown>>>();
  readonly writerHandles = new Map<string, WriteHandle<unknown, unknown>>();
  readonly leased = new Map<string, ReadHandle<unknown, unknown>>();
  readonly critical = new Map<string, SinceHandle>();
  /** ids of internal readers (snapshot, live) and app writers */
  readonly internal = new Set<string>();

  get readers(): ReadonlySet<string> {
    return new Set([...this.leased.keys(), ...this.critical.keys(), ...this.internal]);
  }

  get writers(): ReadonlySet<string> {
    return new Set([...this.writerHandles.keys(), ...this.internal]);
  }

  async expireAll(): Promise<void> {
    const all: Promise<unknown>[] = [];
    for (const h of this.writerHandles.values()) all.push(h.expire());
    for (const h of this.leased.values()) all.push(h.expire());
    for (const p of this.appWriters.values()) all.push(p.then((w) => w.expire()));
    await Promise.allSettled(all);
    this.writerHandles.clear();
    this.leased.clear();
    this.critical.clear();
    this.appWriters.clear();
  }
}
