// Per-key change callbacks shared by the consensus implementations.

/**
 * Callbacks run in their own microtask, never inside the caller's commit path, so a slow or
 * throwing watcher cannot break a compare-and-set that already succeeded.
 */
export class Watchers {
  private readonly byKey = new Map<string, Set<(seqno?: number) => void>>();

  add(key: string, onChange: (seqno?: number) => void): () => void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    // Wrapped so the same function can be registered twice and unsubscribed independently.
    const entry = (seqno?: number) => onChange(seqno);
    set.add(entry);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(entry);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    };
  }

  /** `seqno`, when known, is the version that now exists: a watcher that has it can skip a fetch. */
  notify(key: string, seqno?: number): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const cb of [...set]) callSoon(key, () => cb(seqno));
  }

  notifyAll(): void {
    for (const key of this.byKey.keys()) this.notify(key);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  keys(): string[] {
    return [...this.byKey.keys()];
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** Runs a watch callback in its own microtask; a throw becomes a process warning. */
export function callSoon(key: string, cb: () => void): void {
  queueMicrotask(() => {
    try {
      cb();
    } catch (e) {
      process.emitWarning(`consensus watch callback for ${key} threw: ${String(e)}`);
    }
  });
}

/**
 * The newest seqno of each key a consensus handle has shown its caller. A watch started after a
 * read (load, then watch) compares against it, so a version written in between still wakes the
 * watcher instead of becoming the silent baseline.
 */
export class SeenHeads {
  private readonly seqnos = new Map<string, number>();

  saw(key: string, seqno: number | null | undefined): void {
    if (seqno === null || seqno === undefined) return;
    const prev = this.seqnos.get(key);
    if (prev === undefined || seqno > prev) this.seqnos.set(key, seqno);
  }

  get(key: string): number | undefined {
    return this.seqnos.get(key);
  }
}

/**
 * The watches one consensus handle made, so `close()` can end them all. Each returned unsubscribe
 * runs the underlying one at most once, whether the caller or close() calls it first.
 */
export class HandleWatches {
  private readonly active = new Set<() => void>();

  track(off: () => void): () => void {
    const unsubscribe = () => {
      if (this.active.delete(unsubscribe)) off();
    };
    this.active.add(unsubscribe);
    return unsubscribe;
  }

  closeAll(): void {
    for (const u of [...this.active]) u();
  }
}
