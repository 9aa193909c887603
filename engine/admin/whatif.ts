// Since what-if: for a candidate since s, what forced compaction would leave (rows, bytes, batches,
// parts) and which reads would be lost. It runs the compactor's own merge job over the shard's
// parts with times advanced to s, but writes nothing: each output part is only encoded to count
// its bytes. Results are cached per (shard, batches, s): the data work does not change while the
// batches do not, whatever heartbeats and readers come and go.
import { partKey } from '../paths.js';
import { fmt, type Antichain } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { jobFor } from '../compact/compactor.js';
import { runMergeJob } from '../compact/merge-job.js';
import { forcedCompactions } from '../compact/spine.js';
import { encodePart } from '../part/encode.js';
import { inlineFromColumns, inlineSize } from '../fetch.js';
import { retryExternal } from '../location/retry.js';
import { CorruptDataError } from '../errors.js';
import type { AdminDeps as PersistClient } from './deps.js';
import type { ShardState } from '../state/types.js';
import { cancelledError, checkCancelled, checkTimeArg, withRawReader, type ProgressCounter } from './parts.js';

export interface WhatIf {
  shard: string;
  since: number;
  /** the shard as it is now */
  current: { since: Antichain; upper: Antichain; batches: number; parts: number; rows: number; bytes: number };
  /** what a forced compaction at this since would leave */
  after: { batches: number; parts: number; rows: number; bytes: number };
  /** reads no longer possible: every as_of in [from, to) */
  lostAsOf: { from: number; to: number } | null;
  /** readers whose since is before s: the shard's since cannot pass them until they move or expire */
  readersBehind: { id: string; purpose: string; since: Antichain }[];
  /** answered from the cache */
  cached: boolean;
}

type Heavy = Pick<WhatIf, 'after'>;
const CACHE_ENTRIES = 256;
const caches = new WeakMap<PersistClient, Map<string, Heavy>>();

const cacheKey = (s: ShardState, since: number): string => `${s.shardId}|${s.batches.map((b) => b.id).join(',')}|${since}`;

function cacheOf(client: PersistClient): Map<string, Heavy> {
  let c = caches.get(client);
  if (!c) caches.set(client, (c = new Map()));
  return c;
}

export async function sinceWhatIf(
  client: PersistClient,
  shard: string,
  sinceArg: number,
  opts: { signal?: AbortSignal; onProgress?: (p: ProgressCounter) => void } = {},
): Promise<WhatIf> {
  const s = checkTimeArg(sinceArg, 'since');
  const machine = await client.machine(shard);
  await machine.refresh();
  const now = machine.current;
  if (now.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
  const lo = now.since.length ? now.since[0] : null;
  const hi = now.upper.length ? now.upper[0] : Infinity;
  if (lo === null || s < lo || s > hi) {
    throw new InvalidUsageError('InvalidSince', `a candidate since for ${now.shardId} must lie in [since, upper] = [${fmt(now.since)}, ${fmt(now.upper)}], got ${s}`);
  }
  checkCancelled(opts.signal, 'what-if');
  const cache = cacheOf(client);
  let heavy = cache.get(cacheKey(now, s));
  const cached = heavy !== undefined;
  if (!heavy) {
    const computed = await compute(client, shard, s, opts);
    heavy = { after: computed.after };
    cache.delete(computed.key);
    cache.set(computed.key, heavy);
    while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  }
  const state = machine.current;
  let parts = 0;
  let bytes = 0;
  for (const b of state.batches) for (const p of b.runs.flat()) (parts++, (bytes += p.encodedSizeBytes));
  const readersBehind = [
    ...Object.values(state.leasedReaders).filter((r) => r.purpose !== 'since-what-if'),
    ...Object.values(state.criticalReaders),
  ]
    .filter((r) => r.since.length === 1 && r.since[0] < s)
    .map((r) => ({ id: r.id, purpose: r.purpose, since: r.since }));
  return {
    shard: state.shardId,
    since: s,
    current: {
      since: state.since,
      upper: state.upper,
      batches: state.batches.length,
      parts,
      rows: state.batches.reduce((n, b) => n + b.len, 0),
      bytes,
    },
    after: heavy.after,
    lostAsOf: lo < s ? { from: lo, to: s } : null,
    readersBehind,
    cached,
  };
}

async function compute(
  client: PersistClient,
  shard: string,
  s: number,
  opts: { signal?: AbortSignal; onProgress?: (p: ProgressCounter) => void },
): Promise<Heavy & { key: string }> {
  return withRawReader(client, shard, 'since-what-if', async (reader, current) => {
    // Lease the parts of the newest version (the snapshot waits for nothing: asOf is below the
    // upper) so that GC keeps them while we read, and plan on that very version.
    const upper = current.upper.length ? current.upper[0] : null;
    const asOf = upper === null ? null : upper - 1;
    const leased = asOf !== null && asOf >= 0 && asOf >= (current.since[0] ?? Infinity) ? await reader.snapshot([asOf]) : [];
    try {
      const machine = await client.machine(shard);
      const base = leased.length ? await machine.stateAt(leased[0].seqno) : current;
      const state: ShardState = { ...base, since: [s] };
      const reqs = forcedCompactions(state, client.config.compactionMemoryBoundBytes);
      const merged = new Set(reqs.flatMap((r) => r.inputs));
      const after = { batches: 0, parts: 0, rows: 0, bytes: 0 };
      for (const b of state.batches) {
        if (merged.has(b.id)) continue;
        after.batches++;
        after.rows += b.len;
        for (const p of b.runs.flat()) (after.parts++, (after.bytes += p.encodedSizeBytes));
      }
      const counter = { partsDone: 0, partsTotal: reqs.reduce((n, r) => n + state.batches.filter((b) => r.inputs.includes(b.id)).reduce((m, b) => m + b.runs.flat().length, 0), 0) };
      opts.onProgress?.({ ...counter });
      const inlineMax = client.config.inlineWritesMaxBytes;
      for (const req of reqs) {
        checkCancelled(opts.signal, 'what-if');
        const job = jobFor(state, req, client.config.blobTargetSizeBytes);
        if (!job) continue;
        const before = counter.partsDone;
        const res = await runMergeJob(job, {
          // A cancel stops the reads too: no part is fetched after it.
          fetch: async (p) => {
            checkCancelled(opts.signal, 'what-if');
            const bytes = await retryExternal(() => client.blob.get(p.key), `get ${p.key}`);
            if (!bytes) throw new CorruptDataError(p.key, 'part is referenced by state but missing from blob');
            return bytes;
          },
          // Sized the way the compactor stores it: inline in state when tiny, else encoded.
          write: async (cols) => {
            // Inline costs at least 16 bytes a row: only a small output can stay inline.
            const inline = cols.len * 16 <= inlineMax ? inlineSize(inlineFromColumns(cols)) : Infinity;
            const size = inline <= inlineMax ? inline : encodePart(cols, partKey(state.shardId, client.config.now())).byteLength;
            return { key: 'what-if', encodedSizeBytes: size, len: cols.len };
          },
          progress: (p) => {
            counter.partsDone = before + p.partsIn;
            opts.onProgress?.({ ...counter });
          },
          cancelled: () => (opts.signal?.aborted ? cancelledError(opts.signal, 'what-if') : null),
        });
        checkCancelled(opts.signal, 'what-if');
        after.batches++;
        after.rows += res.len;
        after.parts += res.parts.length;
        after.bytes += res.parts.reduce((n, p) => n + p.encodedSizeBytes, 0);
      }
      return { key: cacheKey(current, s), after };
    } finally {
      for (const l of leased) reader.returnPart(l);
    }
  });
}
