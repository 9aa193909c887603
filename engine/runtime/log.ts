// The runtime's log: the records of its one registry shard, folded into the current view of every
// stream (name, codecs, seal, since, how far its data shard is applied, its unsealed writes).
//
// Each record is a canonical JSON string used as the key of a shard update (val: unit). Its diff
// is its multiplicity, so retracting a record (diff -1, or -count) removes it, and the shard's own
// compaction consolidates retracted records away.

/** A stream registered under a name: its data shard and codec names. */
export interface CreateRec { o: 'c'; n: string; s: string; kc: string; vc: string }
/** The stream's seal: every write below it is (or is about to be) in its data shard. */
export interface SealRec { o: 's'; s: string; u: number }
/** The stream's since (null = closed). */
export interface SinceRec { o: 'p'; s: string; f: number | null }
/** Writes below u are in the data shard: their write records have been retracted. */
export interface AppliedRec { o: 'a'; s: string; u: number }
/** One unsealed update (key and val as base64 of their codec's bytes). */
export interface WriteRec { o: 'w'; s: string; k: string; v: string; t: number; d: number }
/** A destroyed stream whose data shard is not finalized yet. */
export interface DoomedRec { o: 'x'; s: string }
export type LogRec = CreateRec | SealRec | SinceRec | AppliedRec | WriteRec | DoomedRec;

/** Keys and values travel in write records as base64 of their codec's bytes. */
export const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

/** Canonical encoding: fixed field order, so equal records are equal keys. */
export function encodeRec(r: LogRec): string {
  switch (r.o) {
    case 'c':
      return JSON.stringify({ o: 'c', n: r.n, s: r.s, kc: r.kc, vc: r.vc });
    case 's':
      return JSON.stringify({ o: 's', s: r.s, u: r.u });
    case 'p':
      return JSON.stringify({ o: 'p', s: r.s, f: r.f });
    case 'a':
      return JSON.stringify({ o: 'a', s: r.s, u: r.u });
    case 'w':
      return JSON.stringify({ o: 'w', s: r.s, k: r.k, v: r.v, t: r.t, d: r.d });
    case 'x':
      return JSON.stringify({ o: 'x', s: r.s });
  }
}

export interface StreamView {
  readonly name: string;
  readonly id: string;
  readonly kc: string;
  readonly vc: string;
  /** live seal / since / applied records (several only between a record and its retraction) */
  readonly seals: Map<number, number>;
  readonly sinces: Map<number, number>;
  readonly applieds: Map<number, number>;
  /** live write records: encoded record -> multiplicity */
  readonly writes: Map<string, { rec: WriteRec; count: number }>;
  lastWriteMs: number;
}

export type FoldEvent =
  | { kind: 'write'; stream: string; rec: WriteRec; count: number }
  | { kind: 'seal'; stream: string; upper: number };

const max = (m: Map<number, number>, dflt: number): number => {
  let best = -1;
  for (const [v, c] of m) if (c > 0 && v > best) best = v;
  return best < 0 ? dflt : best;
};

export const sealOf = (s: StreamView): number => max(s.seals, 0);
export const appliedOf = (s: StreamView): number => max(s.applieds, 0);
/** The since as a number; Infinity when closed. */
export function sinceOf(s: StreamView): number {
  if ((s.sinces.get(-1) ?? 0) > 0) return Infinity;
  return max(s.sinces, 0);
}

/** The folded view. Changes only through fold(), in log order. */
export class LogView {
  readonly byName = new Map<string, StreamView>();
  readonly byId = new Map<string, StreamView>();
  readonly doomed = new Set<string>();
  /** everything before this log time has been folded */
  upper = 0;

  private bumpMap(m: Map<number, number>, v: number, d: number): void {
    const c = (m.get(v) ?? 0) + d;
    if (c === 0) m.delete(v);
    else m.set(v, c);
  }

  /**
   * Folds the records of one or more log times. Creates are folded first so that a stream's other
   * records, consolidated into the same call, find it; retractions of a create last.
   */
  fold(updates: readonly (readonly [string, null, number, number])[], nowMs: number): FoldEvent[] {
    const events: FoldEvent[] = [];
    const sorted = [...updates].sort((a, b) => a[2] - b[2]);
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j < sorted.length && sorted[j][2] === sorted[i][2]) j++;
      const group = sorted.slice(i, j).map(([k, , , d]) => [JSON.parse(k) as LogRec, d] as const);
      for (const [r, d] of group) if (r.o === 'c' && d > 0) this.foldCreate(r);
      for (const [r, d] of group) if (r.o !== 'c') this.foldOther(r, d, nowMs, events);
      for (const [r, d] of group) if (r.o === 'c' && d < 0) this.dropCreate(r);
      i = j;
    }
    return events;
  }

  private foldCreate(r: CreateRec): void {
    const v: StreamView = {
      name: r.n, id: r.s, kc: r.kc, vc: r.vc,
      seals: new Map(), sinces: new Map(), applieds: new Map(), writes: new Map(), lastWriteMs: 0,
    };
    this.byName.set(r.n, v);
    this.byId.set(r.s, v);
  }

  private dropCreate(r: CreateRec): void {
    if (this.byName.get(r.n)?.id === r.s) this.byName.delete(r.n);
    this.byId.delete(r.s);
  }

  private foldOther(r: LogRec, d: number, nowMs: number, events: FoldEvent[]): void {
    if (r.o === 'x') {
      if (d > 0) this.doomed.add(r.s);
      else this.doomed.delete(r.s);
      return;
    }
    const s = this.byId.get(r.s);
    if (!s) return; // records of a destroyed stream, retracted along with it
    switch (r.o) {
      case 's':
        this.bumpMap(s.seals, r.u, d);
        if (d > 0) events.push({ kind: 'seal', stream: s.id, upper: r.u });
        break;
      case 'p':
        this.bumpMap(s.sinces, r.f === null ? -1 : r.f, d);
        break;
      case 'a':
        this.bumpMap(s.applieds, r.u, d);
        break;
      case 'w': {
        const key = encodeRec(r);
        const prev = s.writes.get(key);
        const count = (prev?.count ?? 0) + d;
        if (count <= 0) s.writes.delete(key);
        else s.writes.set(key, { rec: r, count });
        if (d > 0) {
          s.lastWriteMs = nowMs;
          events.push({ kind: 'write', stream: s.id, rec: r, count: d });
        }
        break;
      }
    }
  }
}
