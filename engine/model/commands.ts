// The fast-check commands of the model test: each draws its arguments blind (fractions, modes)
// and resolves them against the model when it runs, so every generated sequence is valid and
// shrinks well. Every command checks the engine's answer against the model; a write is also
// checked by re-reading the upper from consensus.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidUsageError, LeaseExpiredError, SinceError, type Batch, type ReadHandle } from '../index.js';
import { consolidate, listenedBetween, snapshotAt, sortUpdates, type Model, type U } from './model.js';
import { READER_LEASE_MS, strings, type Real } from './system.js';

type Cmd = fc.AsyncCommand<Model, Real>;

/** Counts the commands run (the reliability figure R2-model-steps). */
export const stepCounter = { steps: 0, byCommand: {} as Record<string, number> };
function count(c: object): void {
  stepCounter.steps++;
  const name = c.constructor.name;
  stepCounter.byCommand[name] = (stepCounter.byCommand[name] ?? 0) + 1;
}

/** No engine call may hang: a wait that never settles is a failure, not a stuck test. */
export const CALL_TIMEOUT_MS = 30_000;
export async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} did not settle within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, what: string): Promise<Error> {
  try {
    await within(p, what);
  } catch (e) {
    assert.ok(e instanceof type, `${what}: expected ${type.name}, got ${(e as Error)?.stack ?? e}`);
    return e as Error;
  }
  assert.fail(`${what}: expected ${type.name}, but it resolved`);
}

// ---------------------------------------------------------------------------------------------
// updates, drawn blind and placed in [lower, upper) when run

interface RawUpdate {
  k: string;
  v: string;
  off: number;
  d: number;
}
const rawUpdate: fc.Arbitrary<RawUpdate> = fc.record({
  k: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
  // long values push batches into blob parts of their own (the blob target is 512 bytes)
  v: fc.constantFrom('v', 'w', 'x'.repeat(300)),
  off: fc.nat(9),
  d: fc.integer({ min: -2, max: 3 }),
});
const rawUpdates = fc.array(rawUpdate, { maxLength: 6 });
const span = fc.integer({ min: 1, max: 3 });

function place(raw: RawUpdate[], lower: number, upper: number): U[] {
  if (upper <= lower) return [];
  return raw.map(({ k, v, off, d }) => [k, v, lower + (off % (upper - lower)), d] as U);
}
const fmt = (raw: RawUpdate[]) => raw.map((u) => `${u.k}${u.v.length > 1 ? 'X' : u.v}@+${u.off}:${u.d}`).join(',');

async function checkUpper(m: Model, r: Real, what: string): Promise<void> {
  assert.deepEqual(await within(r.w.fetchRecentUpper(), 'fetchRecentUpper'), [m.upper], `${what}: shard upper after it`);
}

// ---------------------------------------------------------------------------------------------
// writes

class CompareAndAppend implements Cmd {
  constructor(
    readonly raw: RawUpdate[],
    readonly span: number,
    /** 0: the right upper; else expected = upper ± |delta| */
    readonly delta: number,
    /** through the second writer (other client, stale cached upper) */
    readonly other: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const w = this.other ? r.w2 : r.w;
    let e = m.upper + this.delta;
    if (e < 0) e = m.upper - this.delta;
    const updates = place(this.raw, e, e + this.span);
    const res = await within(w.compareAndAppend(updates, [e], [e + this.span]), 'compareAndAppend');
    if (e === m.upper) {
      assert.deepEqual(res, { ok: true }, `compareAndAppend at the right upper [${e}]`);
      m.updates.push(...updates);
      m.upper = e + this.span;
    } else {
      assert.deepEqual(res, { ok: false, expected: [e], current: [m.upper] }, `compareAndAppend with wrong upper [${e}]`);
    }
    await checkUpper(m, r, 'compareAndAppend');
  }
  toString = () => `CompareAndAppend(${fmt(this.raw)}; span ${this.span}, delta ${this.delta}${this.other ? ', other client' : ''})`;
}

type AppendMode = 'at' | 'inside' | 'past' | 'before';
class Append implements Cmd {
  constructor(
    readonly raw: RawUpdate[],
    readonly mode: AppendMode,
    readonly a: number,
    readonly span: number,
    readonly other: boolean,
  ) {}
  check = (m: Readonly<Model>) => (this.mode === 'inside' || this.mode === 'past' ? m.upper > 0 : true);
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const w = this.other ? r.w2 : r.w;
    const u = m.upper;
    const a = Math.min(this.a, u);
    const [lower, upper] =
      this.mode === 'at' ? [u, u + this.span]
      : this.mode === 'inside' ? [u - a, u + this.span]
      : this.mode === 'past' ? [u - a, u - a + Math.floor(a / 2) + (a % 2)]
      : [u + this.a, u + this.a + this.span];
    const updates = place(this.raw, lower, upper);
    const res = await within(w.append(updates, [lower], [upper]), 'append');
    const what = `append [${lower}, ${upper}) at shard upper [${u}]`;
    if (this.mode === 'before') {
      assert.equal(res.ok, false, what);
      assert.deepEqual(res, { ok: false, expected: [lower], current: [u] }, what);
    } else {
      assert.deepEqual(res, { ok: true }, what);
      if (upper > u) {
        m.updates.push(...updates.filter((x) => x[2] >= u));
        m.upper = upper;
      }
    }
    await checkUpper(m, r, 'append');
  }
  toString = () => `Append(${fmt(this.raw)}; ${this.mode}, a ${this.a}, span ${this.span}${this.other ? ', other client' : ''})`;
}

type BatchMode = 'right' | 'wrong' | 'duplicate';
class AppendBatches implements Cmd {
  constructor(
    readonly raws: RawUpdate[][],
    readonly span: number,
    readonly mode: BatchMode,
    readonly builder: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const e = this.mode === 'wrong' ? m.upper + 1 : m.upper;
    const all: U[][] = this.raws.map((raw) => place(raw, e, e + this.span));
    const batches: Batch[] = [];
    for (const updates of all) {
      if (this.builder) {
        const b = r.w.builder([e]);
        for (const [k, v, t, d] of updates) await b.add(k, v, t, d);
        batches.push(await within(b.finish([e + this.span]), 'builder.finish'));
      } else {
        batches.push(await within(r.w.batch(updates, [e], [e + this.span]), 'batch'));
      }
    }
    if (this.mode === 'duplicate') {
      if (batches.length === 0) batches.push(await r.w.batch([], [e], [e + this.span]));
      const e2 = await rejects(
        r.w.compareAndAppendBatch([batches[0], ...batches], [e], [e + this.span]),
        InvalidUsageError,
        'compareAndAppendBatch of one batch twice',
      );
      assert.equal((e2 as InvalidUsageError).kind, 'InvalidArgument', 'kind of the duplicate-batch error');
      for (const b of batches) await within(b.delete(), 'batch.delete');
    } else {
      const res = await within(r.w.compareAndAppendBatch(batches, [e], [e + this.span]), 'compareAndAppendBatch');
      if (this.mode === 'right') {
        assert.deepEqual(res, { ok: true }, `compareAndAppendBatch of ${batches.length} at [${e}]`);
        for (const updates of all) m.updates.push(...updates);
        m.upper = e + this.span;
      } else {
        assert.deepEqual(res, { ok: false, expected: [e], current: [m.upper] }, 'compareAndAppendBatch, wrong upper');
        // the caller still owns them
        for (const b of batches) await within(b.delete(), 'batch.delete');
      }
    }
    await checkUpper(m, r, 'compareAndAppendBatch');
  }
  toString = () => `AppendBatches(${this.raws.map(fmt).join(' | ')}; span ${this.span}, ${this.mode}${this.builder ? ', builder' : ''})`;
}

/** Both writers (two clients) compare-and-append at the same upper at once: exactly one wins. */
class RacingWrites implements Cmd {
  constructor(
    readonly raws: [RawUpdate[], RawUpdate[]],
    readonly spans: [number, number],
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const u = m.upper;
    const ws = [r.w, r.w2];
    const updates = [0, 1].map((i) => place(this.raws[i], u, u + this.spans[i]));
    const res = await within(
      Promise.all([0, 1].map((i) => ws[i].compareAndAppend(updates[i], [u], [u + this.spans[i]]))),
      'racing compareAndAppend',
    );
    const winners = [0, 1].filter((i) => res[i].ok);
    assert.equal(winners.length, 1, `racing compareAndAppend at [${u}]: exactly one wins, got ${JSON.stringify(res)}`);
    const [win] = winners;
    const lose = 1 - win;
    assert.deepEqual(res[lose], { ok: false, expected: [u], current: [u + this.spans[win]] }, 'the loser of a race');
    m.updates.push(...updates[win]);
    m.upper = u + this.spans[win];
    await checkUpper(m, r, 'racing compareAndAppend');
  }
  toString = () => `RacingWrites(${fmt(this.raws[0])} | ${fmt(this.raws[1])}; spans ${this.spans})`;
}

/**
 * Both writers (two clients) append the same updates at once, one to a later upper (replicas):
 * the updates land once, and the longer append is cut to start where the shorter ended, on top of it.
 */
class RacingAppends implements Cmd {
  constructor(
    readonly raw: RawUpdate[],
    readonly span: number,
    readonly extra: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const u = m.upper;
    const updates = place(this.raw, u, u + this.span);
    const res = await within(
      Promise.all([r.w.append(updates, [u], [u + this.span]), r.w2.append(updates, [u], [u + this.span + this.extra])]),
      'racing append',
    );
    assert.deepEqual(res, [{ ok: true }, { ok: true }], `racing appends at [${u}]`);
    m.updates.push(...updates);
    m.upper = u + this.span + this.extra;
    await checkUpper(m, r, 'racing append');
  }
  toString = () => `RacingAppends(${fmt(this.raw)}; span ${this.span}, extra ${this.extra})`;
}

type AfterTransmit = 'none' | 'appendOriginal' | 'deleteOriginal';
class Transmit implements Cmd {
  constructor(
    readonly raw: RawUpdate[],
    readonly span: number,
    readonly after: AfterTransmit,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const u = m.upper;
    const updates = place(this.raw, u, u + this.span);
    const original = await within(r.w.batch(updates, [u], [u + this.span]), 'batch');
    // as it would travel to another process: plain JSON
    const sent = JSON.parse(JSON.stringify(original.toTransmittable()));
    const received = r.w2.batchFromTransmittable(sent);
    assert.deepEqual(
      await within(r.w2.compareAndAppendBatch([received], [u], [u + this.span]), 'compareAndAppendBatch (received)'),
      { ok: true },
      'transmitted batch appended by the receiver',
    );
    m.updates.push(...updates);
    m.upper = u + this.span;
    if (this.after === 'appendOriginal') {
      // the sender appends its copy too (replicas): a no-op that must not delete the shared parts
      assert.deepEqual(await within(r.w.appendBatch(original, [u], [u + this.span]), 'appendBatch (original)'), { ok: true });
    } else if (this.after === 'deleteOriginal') {
      await within(original.delete(), 'batch.delete (original)');
    }
    await checkUpper(m, r, 'transmit');
  }
  toString = () => `Transmit(${fmt(this.raw)}; span ${this.span}, then ${this.after})`;
}

// ---------------------------------------------------------------------------------------------
// sinces

class DowngradeSince implements Cmd {
  constructor(readonly frac: number, readonly backwards: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const target = this.backwards
      ? Math.floor(this.frac * m.readerSince)
      : m.readerSince + Math.floor(this.frac * (m.upper - m.readerSince + 1));
    await within(r.r.downgradeSince([target]), 'downgradeSince');
    m.readerSince = Math.max(m.readerSince, target);
    assert.deepEqual(r.r.since(), [m.readerSince], `since after downgradeSince([${target}])`);
  }
  toString = () => `DowngradeSince(${this.frac.toFixed(2)}${this.backwards ? ', backwards' : ''})`;
}

class CriticalDowngrade implements Cmd {
  constructor(readonly frac: number, readonly rightOpaque: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const target = m.critSince + Math.floor(this.frac * (m.upper - m.critSince + 1));
    const expected = this.rightOpaque ? m.critOpaque : `${m.critOpaque}-stale`;
    const next = `o${stepCounter.steps}`;
    const res = await within(r.crit.compareAndDowngradeSince(expected, { opaque: next, since: [target] }), 'compareAndDowngradeSince');
    if (this.rightOpaque) {
      m.critSince = Math.max(m.critSince, target);
      m.critOpaque = next;
      assert.deepEqual(res, { ok: true, since: [m.critSince] }, 'compareAndDowngradeSince with the right opaque');
    } else {
      assert.deepEqual(res, { ok: false, opaque: m.critOpaque }, 'compareAndDowngradeSince with a stale opaque');
    }
    assert.deepEqual(r.crit.since(), [m.critSince]);
  }
  toString = () => `CriticalDowngrade(${this.frac.toFixed(2)}, ${this.rightOpaque ? 'right' : 'stale'} opaque)`;
}

// ---------------------------------------------------------------------------------------------
// reads

export type ReadPath = 'snapshotAndFetch' | 'fetchPart' | 'snapshotCursor' | 'snapshotAndStream';

async function read(h: ReadHandle<string, string>, path: ReadPath, asOf: number): Promise<{ updates: U[]; consolidated: boolean }> {
  switch (path) {
    case 'snapshotAndFetch':
      return { updates: await h.snapshotAndFetch([asOf]), consolidated: true };
    case 'fetchPart': {
      const parts = await h.snapshot([asOf]);
      const out: U[] = [];
      for (const p of parts) out.push(...(await h.fetchPart(p)));
      return { updates: out, consolidated: false };
    }
    case 'snapshotCursor': {
      const out: U[] = [];
      for await (const chunk of h.snapshotCursor([asOf])) out.push(...chunk);
      return { updates: out, consolidated: true };
    }
    case 'snapshotAndStream': {
      const out: U[] = [];
      for await (const u of h.snapshotAndStream([asOf])) out.push(u);
      return { updates: out, consolidated: false };
    }
  }
}

/** Reads at asOf through one path and compares with the model. */
export async function checkRead(m: Model, h: ReadHandle<string, string>, path: ReadPath, asOf: number): Promise<void> {
  const { updates, consolidated } = await within(read(h, path, asOf), `${path} at [${asOf}]`);
  const what = `${path} at [${asOf}] (upper [${m.upper}])`;
  for (const u of updates) assert.equal(u[2], asOf, `${what}: every time advanced to as-of, got ${JSON.stringify(u)}`);
  const expected = snapshotAt(m, asOf);
  if (consolidated) assert.deepEqual(sortUpdates([...updates]), expected, `${what}: consolidated`);
  else assert.deepEqual(consolidate(updates), expected, what);
}

class Snapshot implements Cmd {
  constructor(readonly path: ReadPath, readonly frac: number, readonly belowSince: boolean) {}
  check = (m: Readonly<Model>) => (this.belowSince ? m.readerSince > 0 : m.upper > m.readerSince);
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    if (this.belowSince) {
      const asOf = Math.floor(this.frac * m.readerSince);
      await rejects(read(r.r, this.path, asOf), SinceError, `${this.path} at [${asOf}] below since [${m.readerSince}]`);
      return;
    }
    const asOf = m.readerSince + Math.floor(this.frac * (m.upper - m.readerSince));
    await checkRead(m, r.r, this.path, asOf);
  }
  toString = () => `Snapshot(${this.path}, ${this.frac.toFixed(2)}${this.belowSince ? ', below since' : ''})`;
}

const MAX_LISTENS = 3;
class OpenListen implements Cmd {
  constructor(readonly frac: number) {}
  check = (m: Readonly<Model>) => m.listens.length < MAX_LISTENS && m.upper >= m.readerSince;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const asOf = m.readerSince + Math.floor(this.frac * (m.upper - m.readerSince + 1));
    const handle = await within(r.r.clone('model listen'), 'clone');
    const listen = await within(handle.listen([asOf]), `listen at [${asOf}]`);
    r.listens.push({ listen, asOf, progress: asOf, delivered: [] });
    m.listens.push({ asOf, expired: false });
  }
  toString = () => `OpenListen(${this.frac.toFixed(2)})`;
}

/** One fetchNext of a listen: events in order, each update once, at its original time. */
async function fetchListen(m: Model, r: Real, i: number): Promise<void> {
  const l = r.listens[i];
  const events = await within(l.listen.fetchNext(), 'listen.fetchNext');
  const what = `listen from [${l.asOf}]`;
  for (const ev of events) {
    if (ev.kind === 'updates') {
      for (const u of ev.updates) {
        assert.ok(u[2] > l.asOf && u[2] >= l.progress, `${what}: update ${JSON.stringify(u)} not beyond progress [${l.progress}]`);
        assert.ok(u[2] < m.upper, `${what}: update ${JSON.stringify(u)} at or beyond the shard upper [${m.upper}]`);
        l.delivered.push(u);
      }
    } else {
      const f = ev.frontier.length ? ev.frontier[0] : Infinity;
      assert.ok(f >= l.progress && f <= m.upper, `${what}: progress [${f}] after [${l.progress}], shard upper [${m.upper}]`);
      for (const u of l.delivered) assert.ok(u[2] < f, `${what}: update ${JSON.stringify(u)} beyond the progress [${f}] after it`);
      l.progress = f;
    }
  }
  assert.deepEqual(
    consolidate(l.delivered.filter((u) => u[2] < l.progress)),
    listenedBetween(m, l.asOf, l.progress),
    `${what}: delivered up to progress [${l.progress}], exactly once`,
  );
}

class ListenFetch implements Cmd {
  constructor(readonly i: number) {}
  check = (m: Readonly<Model>) => m.listens.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const i = this.i % m.listens.length;
    const l = r.listens[i];
    // a fetch with nothing new waits for the next write: only fetch when there is something
    if (l.progress >= m.upper) return;
    if (m.listens[i].expired) {
      await rejects(l.listen.fetchNext(), LeaseExpiredError, `fetchNext of an expired listen from [${l.asOf}]`);
      m.listens.splice(i, 1);
      r.listens.splice(i, 1);
      return;
    }
    await fetchListen(m, r, i);
  }
  toString = () => `ListenFetch(${this.i})`;
}

// ---------------------------------------------------------------------------------------------
// maintenance, leases, reopen

class Compact implements Cmd {
  constructor(readonly inReader: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const c = this.inReader ? r.readerClient : r.writerClient;
    const res = await within(c.admin.forceCompaction(r.shard), 'forceCompaction');
    assert.ok(res.after <= res.before, `forceCompaction ${JSON.stringify(res)}`);
  }
  toString = () => `Compact(${this.inReader ? 'reader' : 'writer'} client)`;
}

type GcMode = 'writer' | 'reader' | 'both';
class Gc implements Cmd {
  constructor(readonly mode: GcMode) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    const clients = this.mode === 'writer' ? [r.writerClient] : this.mode === 'reader' ? [r.readerClient] : [r.writerClient, r.readerClient];
    // concurrent GCs of one shard from two clients never fail
    await within(Promise.all(clients.map((c) => c.admin.forceGc(r.shard))), 'forceGc');
  }
  toString = () => `Gc(${this.mode})`;
}

class ExpireLeases implements Cmd {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    await within(Promise.all([r.writerClient.idle(), r.readerClient.idle()]), 'idle');
    r.clock.advance(READER_LEASE_MS + 1);
    // a new reader's registration is a transition: it expires every leased reader silent for longer than its lease
    const old = r.r;
    const oldSince = m.readerSince;
    r.r = await within(r.readerClient.openLeasedReader(r.shard, strings), 'openLeasedReader');
    m.readerSince = r.r.since()[0] as number;
    for (const l of m.listens) l.expired = true;
    if (m.upper > oldSince) {
      await rejects(old.snapshotAndFetch([oldSince]), LeaseExpiredError, `snapshot of a reader whose lease expired`);
    }
    await old.expire().catch(() => undefined);
    for (let i = m.listens.length - 1; i >= 0; i--) {
      if (r.listens[i].progress >= m.upper) continue;
      await rejects(r.listens[i].listen.fetchNext(), LeaseExpiredError, `fetchNext of an expired listen from [${r.listens[i].asOf}]`);
      m.listens.splice(i, 1);
      r.listens.splice(i, 1);
    }
  }
  toString = () => 'ExpireLeases';
}

class Reopen implements Cmd {
  constructor(readonly which: 'writer' | 'reader') {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    count(this);
    await within(r.reopen(this.which), `reopen ${this.which} client`);
    if (this.which === 'reader') {
      m.listens = [];
      m.readerSince = r.r.since()[0] as number;
      // the critical since is durable: the same since and opaque after a reopen
      assert.deepEqual(r.crit.since(), [m.critSince], 'critical since after reopen');
      assert.equal(r.crit.opaque(), m.critOpaque, 'critical opaque after reopen');
    }
    await checkUpper(m, r, 'reopen');
  }
  toString = () => `Reopen(${this.which})`;
}

// ---------------------------------------------------------------------------------------------

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const readPath = fc.constantFrom<ReadPath>('snapshotAndFetch', 'fetchPart', 'snapshotCursor', 'snapshotAndStream');

/**
 * `all`: every command. `core`: one writer's writes, reads, listens, sinces, forced compaction
 * and reopen; without a second writing client, duplicate batches, lease expiry or forced GC. A
 * separate, smaller suite so that a fault in one of those areas does not hide the others.
 */
export type CommandSet = 'all' | 'core';

export function commandArbs(set: CommandSet = 'all'): fc.Arbitrary<Cmd>[] {
  const all = set === 'all';
  const other = all ? fc.boolean() : fc.constant(false);
  const batchModes: BatchMode[] = all ? ['right', 'right', 'wrong', 'duplicate'] : ['right', 'right', 'wrong'];
  const arbs: fc.Arbitrary<Cmd>[] = [
    fc.tuple(rawUpdates, fc.integer({ min: 0, max: 3 }), other).map(([u, s, o]) => new CompareAndAppend(u, s, 0, o)),
    fc.tuple(rawUpdates, fc.integer({ min: 0, max: 3 }), other).map(([u, s, o]) => new CompareAndAppend(u, s, 0, o)),
    fc.tuple(rawUpdates, span, fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0), other)
      .map(([u, s, d, o]) => new CompareAndAppend(u, s, d, o)),
    fc.tuple(rawUpdates, fc.constantFrom<AppendMode>('at', 'inside', 'past', 'before'), fc.integer({ min: 1, max: 3 }), span, other)
      .map(([u, mode, a, s, o]) => new Append(u, mode, a, s, o)),
    fc.tuple(fc.array(rawUpdates, { minLength: 1, maxLength: 3 }), span, fc.constantFrom(...batchModes), fc.boolean())
      .map(([us, s, mode, b]) => new AppendBatches(us, s, mode, b)),
    fc.tuple(frac, fc.boolean()).map(([f, b]) => new DowngradeSince(f, b)),
    fc.tuple(frac, fc.boolean()).map(([f, b]) => new CriticalDowngrade(f, b)),
    fc.tuple(readPath, frac, fc.boolean()).map(([p, f, b]) => new Snapshot(p, f, b)),
    fc.tuple(readPath, frac).map(([p, f]) => new Snapshot(p, f, false)),
    frac.map((f) => new OpenListen(f)),
    fc.nat(5).map((i) => new ListenFetch(i)),
    fc.nat(5).map((i) => new ListenFetch(i)),
    fc.boolean().map((b) => new Compact(b)),
    fc.constantFrom<'writer' | 'reader'>('writer', 'reader').map((w) => new Reopen(w)),
  ];
  if (all) {
    arbs.push(
      fc.tuple(fc.tuple(rawUpdates, rawUpdates), fc.tuple(span, span)).map(([u, s]) => new RacingWrites(u, s)),
      fc.tuple(rawUpdates, span, span).map(([u, s, e]) => new RacingAppends(u, s, e)),
      fc.tuple(rawUpdates, span, fc.constantFrom<AfterTransmit>('none', 'appendOriginal', 'deleteOriginal'))
        .map(([u, s, a]) => new Transmit(u, s, a)),
      fc.constantFrom<GcMode>('writer', 'reader', 'both').map((g) => new Gc(g)),
      fc.constant(null).map(() => new ExpireLeases()),
    );
  }
  return arbs;
}

/** Drains each open listen to the shard upper and checks it delivered everything exactly once. */
export async function drainListens(m: Model, r: Real): Promise<void> {
  for (let i = 0; i < m.listens.length; i++) {
    if (m.listens[i].expired) continue;
    while (r.listens[i].progress < m.upper) await fetchListen(m, r, i);
  }
}
