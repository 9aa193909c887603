// Engine values → the contract's plain JSON.
import type { Antichain, ShardInspection } from '../../engine/index.js';
import type { BatchRow, ContractError, Frontier, ShardDetail, ShardSummary } from '../../preload/contract.js';

export const toFrontier = (a: Antichain): Frontier => (a.length === 0 ? null : a[0]);
export const toAntichain = (f: Frontier): Antichain => (f === null ? [] : [f]);

export interface Ownership {
  readers: ReadonlySet<string>;
  writers: ReadonlySet<string>;
}

const NONE: Ownership = { readers: new Set(), writers: new Set() };

export function toSummary(i: ShardInspection, lastChangeMs: number, generatorRate: number | null): ShardSummary {
  return {
    id: i.shardId,
    name: (i as { name?: string | null }).name ?? null,
    since: toFrontier(i.since),
    upper: toFrontier(i.upper),
    seqno: i.seqno,
    batches: i.batches.length,
    parts: i.stats.parts,
    bytes: i.stats.bytes,
    updates: i.stats.updates,
    readers: i.leasedReaders.length + i.criticalReaders.length,
    writers: i.writers.length,
    codecs: { ...i.codecs },
    lastChangeMs,
    generatorRate,
  };
}

export function toBatchRows(i: ShardInspection): BatchRow[] {
  return i.batches.map((b) => {
    let bytes = 0;
    for (const p of b.parts) bytes += p.encodedSizeBytes;
    return [toFrontier(b.lower), toFrontier(b.upper), toFrontier(b.since), b.len, b.parts.length, bytes, b.level];
  });
}

export function toDetail(
  i: ShardInspection,
  summary: ShardSummary,
  readAtMs: number,
  owned: Ownership = NONE,
): ShardDetail {
  return {
    summary,
    readAtMs,
    leasedReaders: i.leasedReaders.map((r) => ({
      id: r.id,
      purpose: r.purpose,
      hostname: r.hostname,
      since: toFrontier(r.since),
      seqno: r.seqno,
      lastHeartbeatMs: r.lastHeartbeatMs,
      leaseDurationMs: r.leaseDurationMs,
      ownedByApp: owned.readers.has(r.id),
    })),
    criticalReaders: i.criticalReaders.map((r) => ({
      id: r.id,
      purpose: r.purpose,
      since: toFrontier(r.since),
      ownedByApp: owned.readers.has(r.id),
    })),
    writers: i.writers.map((w) => ({
      id: w.id,
      purpose: w.purpose,
      hostname: w.hostname,
      lastHeartbeatMs: w.lastHeartbeatMs,
      leaseDurationMs: w.leaseDurationMs,
      ownedByApp: owned.writers.has(w.id),
    })),
    batches: toBatchRows(i),
  };
}

/** A shard whose state cannot be read: listed with the reason, nothing else claimed about it. */
export function damagedSummary(id: string, error: ContractError): ShardSummary {
  return {
    id, name: null, since: null, upper: null, seqno: 0, batches: 0, parts: 0, bytes: 0, updates: 0, readers: 0, writers: 0,
    codecs: { key: '', val: '' }, lastChangeMs: 0, generatorRate: null, error,
  };
}
