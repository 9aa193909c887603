// The contract's ShardInspection: a plain-data view of one version of a shard's state.
import type { Antichain } from './antichain.js';
import { seqnoSince } from './state/transitions.js';
import type { ShardState } from './state/types.js';

export interface ShardInspection {
  shardId: string;
  /** extension: the name given by the first handle's diagnostics, or null */
  name: string | null;
  seqno: number;
  walltimeMs: number;
  since: Antichain;
  upper: Antichain;
  codecs: { key: string; val: string };
  leasedReaders: {
    id: string;
    purpose: string;
    hostname: string;
    since: Antichain;
    seqno: number;
    lastHeartbeatMs: number;
    leaseDurationMs: number;
  }[];
  criticalReaders: { id: string; purpose: string; since: Antichain; opaque: string }[];
  writers: { id: string; purpose: string; hostname: string; lastHeartbeatMs: number; leaseDurationMs: number }[];
  batches: {
    lower: Antichain;
    upper: Antichain;
    since: Antichain;
    len: number;
    level: number;
    parts: { key: string; encodedSizeBytes: number }[];
  }[];
  rollups: { seqno: number; key: string; encodedSizeBytes: number }[];
  stats: { updates: number; parts: number; bytes: number; seqnoSince: number };
}

export function inspectState(s: ShardState): ShardInspection {
  let updates = 0;
  let parts = 0;
  let bytes = 0;
  const batches = s.batches.map((b) => {
    const ps = b.runs.flat().map((p) => ({ key: p.key, encodedSizeBytes: p.encodedSizeBytes }));
    updates += b.len;
    parts += ps.length;
    for (const p of ps) bytes += p.encodedSizeBytes;
    return { lower: b.lower, upper: b.upper, since: b.since, len: b.len, level: b.level, parts: ps };
  });
  return {
    shardId: s.shardId,
    name: s.name,
    seqno: s.seqno,
    walltimeMs: s.walltimeMs,
    since: s.since,
    upper: s.upper,
    codecs: s.codecs ?? { key: '', val: '' },
    leasedReaders: Object.values(s.leasedReaders).map((r) => ({ ...r })),
    criticalReaders: Object.values(s.criticalReaders).map((r) => ({ ...r })),
    writers: Object.values(s.writers).map((w) => ({ ...w })),
    batches,
    rollups: s.rollups.map((r) => ({ ...r })),
    stats: { updates, parts, bytes, seqnoSince: seqnoSince(s) },
  };
}
