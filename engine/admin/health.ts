// Health findings: what is wrong with a shard (or the location), why it matters, who is to blame
// and what to do. Each finding comes from state that is already there (readers, writers, batches,
// retained versions, blobs); nothing here writes. The actions are the admin operations an
// operator would run: expire a reader or writer, compact now, run GC, clean leaked blobs, finalize.
import { fmt, type Antichain } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { retryExternal } from '../location/retry.js';
import { decodeDiff } from '../state/encode.js';
import { seqnoSince } from '../state/transitions.js';
import { MIN_MERGE_INPUTS } from '../compact/spine.js';
import { referencedKeys, unreferencedBlobs } from '../gc.js';
import { partCreatedMs } from '../paths.js';
import { isShardId } from '../ids.js';
import type { AdminDeps as PersistClient } from './deps.js';
import type { ShardState } from '../state/types.js';
import { consolidatedSize } from './usage.js';
import { loadLatestState } from '../machine.js';
import { applyDiff } from '../state/diff.js';
import { initialState } from '../state/types.js';

export type Severity = 'error' | 'warning' | 'info';

export type FindingKind =
  | 'since-held-back'
  | 'seqno-since-held-back'
  | 'upper-stalled'
  | 'writer-lease-expiring'
  | 'compaction-debt'
  | 'gc-behind'
  | 'leaked-blobs'
  | 'closed'
  | 'finalizable';

export interface Blame {
  role: 'leased-reader' | 'critical-reader' | 'writer';
  id: string;
  purpose: string;
  hostname: string | null;
  lastHeartbeatMs: number | null;
  since: Antichain | null;
}

export type HealthAction =
  | { kind: 'expire-reader'; shard: string; readerId: string }
  | { kind: 'expire-writer'; shard: string; writerId: string }
  | { kind: 'force-compaction'; shard: string }
  | { kind: 'force-gc'; shard: string }
  | { kind: 'delete-unreferenced-blobs'; keys: string[] }
  | { kind: 'finalize'; shard: string };

export interface Finding {
  /** null: a finding of the location, not of one shard */
  shard: string | null;
  kind: FindingKind;
  severity: Severity;
  /** what is wrong */
  summary: string;
  /** why it matters */
  why: string;
  blame: Blame[];
  /** what to do, one click (or one command) away; null when only time or people can fix it */
  action: HealthAction | null;
  /** the figures behind the finding */
  details: Record<string, number | string | null>;
}

export interface ShardHealth {
  shard: string;
  name: string | null;
  severity: Severity | 'ok';
  findings: Finding[];
}

export interface LocationHealth {
  /** shards with findings first, by severity */
  shards: ShardHealth[];
  location: Finding[];
  counts: Record<Severity, number>;
  checkedAtMs: number;
}

export interface HealthOptions {
  /** the clock to judge heartbeats by (epoch ms); default the client's config.now() */
  now?: number;
  /** the upper has not moved for this long while writers hold leases: stalled (default 5 min) */
  upperStallMs?: number;
  /** a since this far (in the shard's time units) behind the upper is held back (default 3 600 000) */
  sinceLag?: number;
  /** versions a reader may pin before it is a finding (default 64) */
  pinnedVersions?: number;
  /** retained versions above this, with some truncatable, mean GC is behind (default 2 × rollupThreshold) */
  retainedVersions?: number;
  /** unreferenced blobs younger than this may be a writer's batch in flight (default 10 min) */
  leakedMinAgeMs?: number;
  /** look for leaked blobs (lists the location's blobs; default true) */
  leakedBlobs?: boolean;
  /** also compare stored updates with a consolidated read (reads the data; default false) */
  deep?: boolean;
  /** stored updates above this multiple of the consolidated count are compaction debt (default 4) */
  debtRatio?: number;
}

type Resolved = Required<Omit<HealthOptions, 'now'>> & { now: number };

const RANK: Record<Severity | 'ok', number> = { error: 3, warning: 2, info: 1, ok: 0 };
const CONCURRENCY = 16;

function resolve(client: PersistClient, o: HealthOptions | undefined): Resolved {
  if (o !== undefined && (typeof o !== 'object' || o === null)) throw new InvalidUsageError('InvalidArgument', 'health options must be an object');
  const num = (v: unknown, d: number, what: string): number => {
    if (v === undefined) return d;
    if (typeof v !== 'number' || !(v >= 0)) throw new InvalidUsageError('InvalidArgument', `${what} must be a non-negative number`);
    return v;
  };
  return {
    now: num(o?.now, client.config.now(), 'now'),
    upperStallMs: num(o?.upperStallMs, 5 * 60_000, 'upperStallMs'),
    sinceLag: num(o?.sinceLag, 3_600_000, 'sinceLag'),
    pinnedVersions: num(o?.pinnedVersions, 64, 'pinnedVersions'),
    retainedVersions: num(o?.retainedVersions, 2 * client.config.rollupThreshold, 'retainedVersions'),
    leakedMinAgeMs: num(o?.leakedMinAgeMs, 10 * 60_000, 'leakedMinAgeMs'),
    leakedBlobs: o?.leakedBlobs !== false,
    deep: o?.deep === true,
    debtRatio: num(o?.debtRatio, 4, 'debtRatio'),
  };
}

const ago = (ms: number): string => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

/** Health of one shard (with its leaked blobs) or, without a shard, of every shard in the location. */
export async function shardHealth(client: PersistClient, shard: string, opts?: HealthOptions): Promise<ShardHealth> {
  const o = resolve(client, opts);
  const machine = await client.machine(shard);
  await machine.refresh();
  if (machine.current.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
  const h = await checkShard(client, machine.current, o);
  if (o.leakedBlobs) {
    const leaked = await leakedBlobs(client, [machine.current], o);
    h.findings.push(...leaked.filter((f) => f.shard === machine.shardId));
  }
  return finish(h);
}

export async function locationHealth(client: PersistClient, opts?: HealthOptions): Promise<LocationHealth> {
  const o = resolve(client, opts);
  const ids = await client.listShards();
  const states: ShardState[] = [];
  const healths: ShardHealth[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++];
      // Straight from consensus, without a machine (and its watch) per shard: a location may
      // hold many thousands. The few checks that need older versions open the machine then.
      const { state: s, hints } = await loadForHealth(client, id);
      if (s.seqno === 0) continue;
      states.push(s);
      healths.push(await checkShard(client, s, o, hints));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  const location: Finding[] = [];
  if (o.leakedBlobs) {
    const byShard = new Map(healths.map((h) => [h.shard, h]));
    for (const f of await leakedBlobs(client, states, o)) {
      const h = f.shard === null ? undefined : byShard.get(f.shard);
      if (h) h.findings.push(f);
      else location.push(f);
    }
  }
  const shards = healths.map(finish).sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.shard.localeCompare(b.shard));
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of [...location, ...shards.flatMap((s) => s.findings)]) counts[f.severity]++;
  return { shards, location, counts, checkedAtMs: o.now };
}

/** What loading a shard's versions already told: spares a health check its own scan. */
interface Hints {
  earliest?: number;
  upperMoved?: { ms: number; exact: boolean };
}

const FEW_VERSIONS = 256;

/**
 * A shard whose versions are few and all retained (no truncation yet) is rebuilt from one scan,
 * which also says when its upper last moved; any other shard loads the usual way.
 */
async function loadForHealth(client: PersistClient, id: string): Promise<{ state: ShardState; hints: Hints }> {
  const entries = await retryExternal(() => client.consensus.scan(id, 0, FEW_VERSIONS), `scan ${id}`);
  if (entries.length > 0 && entries[0].seqno === 1 && entries.length < FEW_VERSIONS) {
    let s = initialState(id);
    let moved: number | null = null;
    let firstMs = 0;
    for (const e of entries) {
      const d = decodeDiff(`${id}@${e.seqno}`, e.data);
      s = applyDiff(s, d);
      if (e.seqno === 1) firstMs = d.walltimeMs;
      if (d.upper !== undefined) moved = d.walltimeMs;
    }
    return { state: s, hints: { earliest: 1, upperMoved: moved !== null ? { ms: moved, exact: true } : { ms: firstMs, exact: false } } };
  }
  const state = await loadLatestState(id, { consensus: client.consensus, blob: client.blob, config: client.config, isClosing: () => client.isClosed });
  return { state, hints: {} };
}

function finish(h: ShardHealth): ShardHealth {
  h.findings.sort((a, b) => RANK[b.severity] - RANK[a.severity]);
  h.severity = h.findings.reduce<Severity | 'ok'>((s, f) => (RANK[f.severity] > RANK[s] ? f.severity : s), 'ok');
  return h;
}

async function checkShard(client: PersistClient, s: ShardState, o: Resolved, hints: Hints = {}): Promise<ShardHealth> {
  const shard = s.shardId;
  const findings: Finding[] = [];
  const closedUpper = s.upper.length === 0;
  const closedSince = s.since.length === 0;

  if (s.finalized) return { shard, name: s.name, severity: 'ok', findings };
  if (closedUpper && closedSince) {
    findings.push({
      shard,
      kind: 'finalizable',
      severity: 'info',
      summary: 'closed for reads and writes (since = upper = []) but not finalized',
      why: 'nobody can read or write it again, yet its parts and versions still take storage',
      blame: [],
      action: { kind: 'finalize', shard },
      details: { batches: s.batches.length },
    });
  } else if (closedUpper) {
    const holders = readerBlames(s);
    findings.push({
      shard,
      kind: 'closed',
      severity: 'info',
      summary: `closed for writes (upper []); since ${fmt(s.since)} is held by ${holders.length} reader(s)`,
      why: 'once its readers are done (since []), the shard can be finalized and its storage freed',
      blame: holders,
      action: null,
      details: { readers: holders.length },
    });
  }

  sinceFindings(s, o, findings);
  await seqnoSinceFindings(client, s, o, findings);
  if (!closedUpper) await upperFindings(client, s, o, findings, hints);
  await debtFindings(client, s, o, findings);
  await gcFindings(client, s, o, findings, hints);
  return { shard, name: s.name, severity: 'ok', findings };
}

function readerBlames(s: ShardState): Blame[] {
  return [
    ...Object.values(s.leasedReaders).map((r) => ({ role: 'leased-reader' as const, id: r.id, purpose: r.purpose, hostname: r.hostname, lastHeartbeatMs: r.lastHeartbeatMs, since: r.since })),
    ...Object.values(s.criticalReaders).map((r) => ({ role: 'critical-reader' as const, id: r.id, purpose: r.purpose, hostname: null, lastHeartbeatMs: null, since: r.since })),
  ];
}

/** The readers at the shard's since: the ones keeping it from moving. */
function sinceFindings(s: ShardState, o: Resolved, out: Finding[]): void {
  if (s.since.length === 0) return;
  const since = s.since[0];
  const lag = s.upper.length ? s.upper[0] - since : null;
  for (const r of readerBlames(s)) {
    if (r.since === null || r.since.length === 0 || r.since[0] !== since) continue;
    const leased = r.role === 'leased-reader' ? s.leasedReaders[r.id] : null;
    const silentMs = leased ? o.now - leased.lastHeartbeatMs : null;
    const expired = leased !== null && silentMs !== null && silentMs > leased.leaseDurationMs;
    const silent = leased !== null && silentMs !== null && silentMs > leased.leaseDurationMs / 2;
    const lagging = lag !== null && lag > o.sinceLag;
    if (!silent && !lagging) continue;
    out.push({
      shard: s.shardId,
      kind: 'since-held-back',
      severity: silent ? 'error' : 'warning',
      summary: silent
        ? `reader ${r.id} (${r.purpose}${r.hostname ? ` on ${r.hostname}` : ''}) holds the since at ${fmt(s.since)} and has not heartbeated for ${ago(silentMs!)}${expired ? ' (its lease has run out)' : ''}`
        : `reader ${r.id} (${r.purpose}) holds the since at ${fmt(s.since)}, ${lag} behind the upper ${fmt(s.upper)}`,
      why: 'compaction cannot advance times past the since, so batches keep every update before it and the shard grows with its history',
      blame: [r],
      action: { kind: 'expire-reader', shard: s.shardId, readerId: r.id },
      details: { since, upper: s.upper.length ? s.upper[0] : null, lag, silentMs },
    });
  }
}

/** A reader whose oldest needed version lags: every version after it (and their parts) is kept. */
async function seqnoSinceFindings(client: PersistClient, s: ShardState, o: Resolved, out: Finding[]): Promise<void> {
  const seqnoSinceNow = seqnoSince(s);
  const pinned = s.seqno - seqnoSinceNow;
  if (pinned <= o.pinnedVersions) return;
  const holders = Object.values(s.leasedReaders).filter((r) => r.seqno === seqnoSinceNow);
  // Bytes pinned: parts the held version references that the latest no longer does.
  let bytes: number | null = null;
  try {
    const machine = await client.machine(s.shardId);
    const held = await machine.stateAt(seqnoSinceNow);
    const live = referencedKeys(s);
    bytes = 0;
    for (const b of held.batches) for (const p of b.runs.flat()) if (!p.inline && !live.has(p.key)) bytes += p.encodedSizeBytes;
  } catch {
    // the held version is gone already (a GC raced us): the versions count still stands
  }
  for (const r of holders) {
    const silentMs = o.now - r.lastHeartbeatMs;
    out.push({
      shard: s.shardId,
      kind: 'seqno-since-held-back',
      severity: silentMs > r.leaseDurationMs / 2 ? 'error' : 'warning',
      summary: `reader ${r.id} (${r.purpose} on ${r.hostname}) pins ${pinned} versions${bytes !== null ? ` and ${bytes} bytes of parts` : ''} from seqno ${r.seqno}`,
      why: 'GC keeps every version since the oldest one a reader may still be fetching parts of, and the parts those versions reference',
      blame: [{ role: 'leased-reader', id: r.id, purpose: r.purpose, hostname: r.hostname, lastHeartbeatMs: r.lastHeartbeatMs, since: r.since }],
      action: { kind: 'expire-reader', shard: s.shardId, readerId: r.id },
      details: { seqno: s.seqno, seqnoSince: seqnoSinceNow, versionsPinned: pinned, bytesPinned: bytes, silentMs },
    });
  }
}

/** When the upper last moved: the newest retained diff that changed it, scanning back from the head. */
async function upperMovedMs(client: PersistClient, s: ShardState): Promise<{ ms: number; exact: boolean }> {
  const PAGE = 64;
  let hi = s.seqno;
  let earliestMs = s.walltimeMs;
  while (hi >= 1) {
    const from = Math.max(1, hi - PAGE + 1);
    const entries = await retryExternal(() => client.consensus.scan(s.shardId, from, hi - from + 1), `scan ${s.shardId}`);
    for (let i = entries.length - 1; i >= 0; i--) {
      const d = decodeDiff(`${s.shardId}@${entries[i].seqno}`, entries[i].data);
      if (d.upper !== undefined) return { ms: d.walltimeMs, exact: true };
      earliestMs = d.walltimeMs;
    }
    if (entries.length === 0 || entries[0].seqno > from) break; // older versions are truncated
    hi = from - 1;
  }
  // Not within the retained versions: it moved at or before the earliest of them.
  return { ms: earliestMs, exact: false };
}

async function upperFindings(client: PersistClient, s: ShardState, o: Resolved, out: Finding[], hints: Hints): Promise<void> {
  const writers = Object.values(s.writers);
  if (writers.length === 0) return;
  const blame = (w: (typeof writers)[number]): Blame => ({ role: 'writer', id: w.id, purpose: w.purpose, hostname: w.hostname, lastHeartbeatMs: w.lastHeartbeatMs, since: null });
  const moved = hints.upperMoved ?? (await upperMovedMs(client, s));
  const stalledMs = o.now - moved.ms;
  if (stalledMs > o.upperStallMs) {
    out.push({
      shard: s.shardId,
      kind: 'upper-stalled',
      severity: 'error',
      summary: `the upper ${fmt(s.upper)} has not moved for ${moved.exact ? '' : 'at least '}${ago(stalledMs)} while ${writers.length} writer(s) hold leases: ${writers.map((w) => `${w.id} (${w.purpose} on ${w.hostname})`).join(', ')}`,
      why: 'readers waiting for times at or past the upper (listens, snapshots) get nothing new; a writer holding a lease may have died or hung',
      blame: writers.map(blame),
      action: writers.length === 1 ? { kind: 'expire-writer', shard: s.shardId, writerId: writers[0].id } : null,
      details: { upper: s.upper.length ? s.upper[0] : null, upperMovedMs: moved.ms, stalledMs, exact: moved.exact ? 'yes' : 'no' },
    });
  }
  for (const w of writers) {
    const silentMs = o.now - w.lastHeartbeatMs;
    if (silentMs <= 0.75 * w.leaseDurationMs) continue;
    const left = w.leaseDurationMs - silentMs;
    out.push({
      shard: s.shardId,
      kind: 'writer-lease-expiring',
      severity: 'warning',
      summary: left > 0 ? `writer ${w.id} (${w.purpose} on ${w.hostname}) has not heartbeated for ${ago(silentMs)}: its lease runs out in ${ago(left)}` : `writer ${w.id} (${w.purpose} on ${w.hostname}) has not heartbeated for ${ago(silentMs)}: its lease has run out`,
      why: 'a writer whose lease expires is fenced out: its next append fails and its process must re-open the shard',
      blame: [blame(w)],
      action: { kind: 'expire-writer', shard: s.shardId, writerId: w.id },
      details: { silentMs, leaseDurationMs: w.leaseDurationMs },
    });
  }
}

async function debtFindings(client: PersistClient, s: ShardState, o: Resolved, out: Finding[]): Promise<void> {
  const updates = s.batches.reduce((n, b) => n + b.len, 0);
  // Each append adds at least one update, so log2(updates) bounds log2(appends); the spine waits
  // for MIN_MERGE_INPUTS small batches before it merges them.
  const bound = Math.ceil(Math.log2(Math.max(2, updates))) + MIN_MERGE_INPUTS;
  const bytes = s.batches.reduce((n, b) => n + b.runs.flat().reduce((m, p) => m + p.encodedSizeBytes, 0), 0);
  let consolidated: number | null = null;
  if (o.deep && s.upper.length === 1 && s.since.length === 1 && s.upper[0] > s.since[0]) {
    consolidated = (await consolidatedSize(client, s.shardId)).consolidatedUpdates;
  }
  const tooMany = s.batches.length > bound;
  const tooBig = consolidated !== null && updates > o.debtRatio * Math.max(1, consolidated);
  if (!tooMany && !tooBig) return;
  out.push({
    shard: s.shardId,
    kind: 'compaction-debt',
    severity: 'warning',
    summary: tooMany
      ? `${s.batches.length} batches, more than the spine's bound of ${bound} for ${updates} updates${client.config.compactionEnabled ? '' : ''}`
      : `${updates} updates stored where a consolidated read has ${consolidated}`,
    why: 'every read merges every batch, and storage holds updates that consolidation would cancel or merge',
    blame: [],
    action: { kind: 'force-compaction', shard: s.shardId },
    details: { batches: s.batches.length, bound, updates, bytes, consolidatedUpdates: consolidated },
  });
}

async function gcFindings(client: PersistClient, s: ShardState, o: Resolved, out: Finding[], hints: Hints): Promise<void> {
  const since = seqnoSince(s);
  // Cheap test first: the versions since the earliest possible (1) fit the threshold.
  if (s.seqno <= o.retainedVersions) return;
  const earliest =
    hints.earliest ?? (await retryExternal(() => client.consensus.scan(s.shardId, 0, 1), `scan ${s.shardId}`))[0]?.seqno ?? s.seqno;
  const retained = s.seqno - earliest + 1;
  const truncatable = Math.max(0, since - earliest);
  if (retained <= o.retainedVersions || truncatable === 0) return;
  out.push({
    shard: s.shardId,
    kind: 'gc-behind',
    severity: 'warning',
    summary: `${retained} versions retained, ${truncatable} of them truncatable now`,
    why: 'consensus keeps versions no reader needs, and blobs only they reference stay in storage; loading the shard replays more',
    blame: [],
    action: { kind: 'force-gc', shard: s.shardId },
    details: { seqno: s.seqno, earliestRetained: earliest, seqnoSince: since, versionsRetained: retained, versionsTruncatable: truncatable },
  });
}

/**
 * Blobs no retained version references, older than leakedMinAgeMs (a younger one may be a
 * batch a writer is about to append). Only shards holding a blob their latest state does not
 * reference need their retained versions walked, which keeps this cheap for a large location.
 */
async function leakedBlobs(client: PersistClient, states: ShardState[], o: Resolved): Promise<Finding[]> {
  const single = states.length === 1 ? states[0].shardId : null;
  const all = await retryExternal(() => client.blob.list(single ? `${single}/` : ''), 'list blobs');
  const byShard = new Map(states.map((s) => [s.shardId, s]));
  const referenced = new Map<string, Set<string>>();
  const suspects: { key: string; sizeBytes: number; owner: string | null }[] = [];
  for (const b of all) {
    const owner = b.key.split('/')[0];
    const s = isShardId(owner) ? byShard.get(owner) : undefined;
    if (s) {
      let refs = referenced.get(owner);
      if (!refs) referenced.set(owner, (refs = referencedKeys(s)));
      if (refs.has(b.key)) continue;
    }
    const created = partCreatedMs(b.key);
    if (created !== null && o.now - created < o.leakedMinAgeMs) continue;
    suspects.push({ ...b, owner: s ? owner : null });
  }
  if (suspects.length === 0) return [];
  const walk = [...new Set(suspects.flatMap((x) => (x.owner ? [x.owner] : [])))];
  // unreferencedBlobs walks every retained version of the shards given; a blob of another shard
  // appears in its answer only because that shard was not walked, so only suspects count.
  const unreferenced = new Set(walk.length ? await unreferencedBlobs(client, walk, (id) => client.machine(id)) : suspects.map((x) => x.key));
  const leaked = suspects.filter((x) => x.owner === null || unreferenced.has(x.key));
  const groups = new Map<string | null, typeof leaked>();
  for (const x of leaked) groups.set(x.owner, [...(groups.get(x.owner) ?? []), x]);
  return [...groups].map(([owner, xs]) => {
    const bytes = xs.reduce((n, x) => n + x.sizeBytes, 0);
    return {
      shard: owner,
      kind: 'leaked-blobs' as const,
      severity: 'warning' as const,
      summary: `${xs.length} blob(s), ${bytes} bytes, that no retained version ${owner ? 'of this shard ' : ''}references`,
      why: 'they take storage forever: GC only deletes blobs that truncated versions referenced (these are batches never appended, or a crashed upload)',
      blame: [],
      action: { kind: 'delete-unreferenced-blobs' as const, keys: xs.map((x) => x.key) },
      details: { blobs: xs.length, bytes, oldest: xs.map((x) => partCreatedMs(x.key)).filter((t): t is number => t !== null).sort((a, b) => a - b)[0] ?? null },
    };
  });
}
