// The compactions a shard's retained versions record: every version whose diff replaced batches
// with a compaction's output. Derived from consensus, not from what one process happened to see,
// so it covers background compactions of every client, and it reaches back exactly as far as the
// versions GC has kept (the answer says how far).
import { fmt } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { retryExternal } from '../location/retry.js';
import { decodeDiffAt } from '../state/encode.js';
import type { AdminDeps as PersistClient } from './deps.js';
import type { HollowBatch } from '../state/types.js';

export interface CompactionEvent {
  /** the version that applied the compaction */
  seqno: number;
  walltimeMs: number;
  /** batches replaced */
  inputs: number;
  /** batches that replaced them: 1, or 0 when everything consolidated away */
  outputs: number;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** the time range the merged batches covered, and the since they were advanced to */
  lower: string;
  upper: string;
  since: string;
  /** level of the output in the spine */
  level: number | null;
}

export interface CompactionHistory {
  shardId: string;
  /** the earliest retained version: nothing before it can be known */
  earliestSeqno: number;
  latestSeqno: number;
  /** newest first, at most `limit` */
  compactions: CompactionEvent[];
  /** more compactions were found than `limit` */
  truncated: boolean;
}

const SCAN_PAGE = 1024;
/** Rounds against a GC truncating the start of the walk under us before giving up. */
const MAX_ROUNDS = 4;

type Known = Pick<HollowBatch, 'lower' | 'upper' | 'since' | 'len' | 'level'> & { bytes: number };

const known = (b: HollowBatch): Known => ({
  lower: b.lower,
  upper: b.upper,
  since: b.since,
  len: b.len,
  level: b.level,
  bytes: b.runs.flat().reduce((n, p) => n + p.encodedSizeBytes, 0),
});

export async function compactionHistory(client: PersistClient, shard: string, opts?: { limit?: number }): Promise<CompactionHistory> {
  const limit = Math.max(1, Math.min(opts?.limit ?? 500, 10_000));
  const machine = await client.machine(shard);
  await machine.refresh();
  if (machine.current.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
  for (let round = 0; ; round++) {
    try {
      const earliest = (await retryExternal(() => client.consensus.scan(machine.shardId, 0, 1), 'scan'))[0]?.seqno ?? machine.current.seqno;
      return await walk(client, machine.shardId, await machine.stateAt(earliest), machine.current.seqno, limit);
    } catch (e) {
      // GC truncated the versions we were walking: start again from the new earliest.
      if ((e as InvalidUsageError).kind !== 'SeqnoTruncated' || round >= MAX_ROUNDS) throw e;
      await machine.refresh();
    }
  }
}

async function walk(
  client: PersistClient,
  shardId: string,
  base: { seqno: number; batches: readonly HollowBatch[] },
  latest: number,
  limit: number,
): Promise<CompactionHistory> {
  const batches = new Map<string, Known>(base.batches.map((b) => [b.id, known(b)]));
  const found: CompactionEvent[] = [];
  let truncated = false;
  let next = base.seqno + 1;
  while (next <= latest) {
    const entries = await retryExternal(() => client.consensus.scan(shardId, next, Math.min(SCAN_PAGE, latest - next + 1)), `scan ${shardId}`);
    if (entries.length === 0) break;
    if (entries[0].seqno !== next) {
      throw new InvalidUsageError('SeqnoTruncated', `version ${next} of ${shardId} was truncated while its history was read`);
    }
    for (const e of entries) {
      if (e.seqno > latest) break;
      const d = decodeDiffAt(shardId, e.seqno, e.data);
      const removed = d.batchesRemoved ?? [];
      const added = d.batchesAdded ?? [];
      // Finalizing drops every batch too, but replaces them with nothing by decree, not by a merge.
      if (removed.length > 0 && !d.finalized) {
        const ins = removed.map((id) => batches.get(id)).filter((b): b is Known => b !== undefined);
        const outs = added.map(known);
        const first = ins[0];
        const last = ins[ins.length - 1];
        found.push({
          seqno: d.seqno,
          walltimeMs: d.walltimeMs,
          inputs: removed.length,
          outputs: added.length,
          rowsIn: ins.reduce((n, b) => n + b.len, 0),
          rowsOut: outs.reduce((n, b) => n + b.len, 0),
          bytesIn: ins.reduce((n, b) => n + b.bytes, 0),
          bytesOut: outs.reduce((n, b) => n + b.bytes, 0),
          lower: first ? fmt(first.lower) : '?',
          upper: last ? fmt(last.upper) : '?',
          since: outs[0] ? fmt(outs[0].since) : last ? fmt(last.since) : '?',
          level: outs[0]?.level ?? null,
        });
        if (found.length > limit) {
          found.shift();
          truncated = true;
        }
      }
      for (const id of removed) batches.delete(id);
      for (const b of added) batches.set(b.id, known(b));
      next = e.seqno + 1;
    }
    if (entries.length < SCAN_PAGE) break;
  }
  return { shardId, earliestSeqno: base.seqno, latestSeqno: Math.min(latest, next - 1), compactions: found.reverse(), truncated };
}
