// Reading a shard's parts for operator tools (diff, what-if, copy) without knowing its codecs, and
// without moving its since: a leased reader under the shard's own codec names that reads raw bytes,
// never downgrades, and is expired when the tool is done.
import type { LeasedPart } from '../lease.js';
import type { ReadHandle } from '../read.js';
import { batchTimeBounds } from '../filter.js';
import { codecs, type Codec } from '../codec.js';
import { fetchColumns } from '../fetch.js';
import type { MergeRun } from '../part/merge.js';
import type { PartColumns } from '../part/types.js';
import type { AdminDeps as PersistClient } from './deps.js';
import type { ShardState } from '../state/types.js';
import { InvalidUsageError } from '../errors.js';

export type RawReader = ReadHandle<Uint8Array, Uint8Array>;

/** A bytes codec under another name: state checks names, the bytes pass through untouched. */
export const rawCodec = (name: string): Codec<Uint8Array> => ({ ...codecs.bytes, name });

export async function withRawReader<R>(
  client: PersistClient,
  shard: string,
  purpose: string,
  f: (reader: RawReader, state: ShardState) => Promise<R>,
): Promise<R> {
  const machine = await client.machine(shard);
  await machine.refresh();
  if (machine.current.seqno === 0) throw new InvalidUsageError('UnknownShard', `shard ${shard} does not exist in this location`);
  const names = machine.current.codecs ?? { key: 'bytes', val: 'bytes' };
  const reader = await client.openLeasedReader(shard, {
    keyCodec: rawCodec(names.key),
    valCodec: rawCodec(names.val),
    diagnostics: { shardName: '', handlePurpose: purpose },
  });
  try {
    return await f(reader, machine.current);
  } finally {
    await reader.expire().catch(() => undefined);
  }
}

export interface ProgressCounter {
  partsDone: number;
  partsTotal: number;
}

/**
 * The runs of the parts a snapshot at asOf leased, each narrowed to [lower, upper) on top of its
 * batch's bounds. The snapshot checks the reader's since and leases the parts against GC; the
 * runs come from the state version the leases were taken from, so that a run's parts (sorted
 * across their boundaries) stream one at a time: memory is about one part per run.
 */
export async function leasedRuns(
  client: PersistClient,
  reader: RawReader,
  asOf: number,
  bounds: { lower: number; upper: number },
  opts: { signal?: AbortSignal; onPart?: () => void; batchIds?: ReadonlySet<string> } = {},
): Promise<{ runs: MergeRun[]; state: ShardState | null; parts: number }> {
  const leased = await reader.snapshot([asOf]);
  if (leased.length === 0) return { runs: [], state: null, parts: 0 };
  const machine = await client.machine(reader.shardId);
  const seqno = leased[0].seqno;
  const state = machine.current.seqno === seqno ? machine.current : await machine.stateAt(seqno);
  // Inline parts' keys are not unique (`inline:<len>`): several leases may share one.
  const byKey = new Map<string, LeasedPart[]>();
  for (const p of leased) byKey.set(p.part.key, [...(byKey.get(p.part.key) ?? []), p]);
  const runs: MergeRun[] = [];
  let parts = 0;
  const used = new Set<string>();
  for (const b of state.batches) {
    if (b.lower.length === 0 || b.lower[0] > asOf) continue;
    if (opts.batchIds && !opts.batchIds.has(b.id)) continue;
    // A batch's updates all lie in [lower, upper): one outside the window is not read at all.
    if ((b.upper.length === 1 && b.upper[0] <= bounds.lower) || b.lower[0] >= bounds.upper) continue;
    const [lo, hi] = batchTimeBounds(b);
    const timeLower = Math.max(lo, bounds.lower);
    const timeUpper = Math.min(hi ?? Infinity, bounds.upper);
    for (const run of b.runs) {
      parts += run.length;
      for (const p of run) used.add(p.key);
      let i = 0;
      runs.push({
        timeLower,
        timeUpper,
        nextPart: async (): Promise<PartColumns | null> => {
          opts.signal?.throwIfAborted();
          if (i >= run.length) return null;
          const ref = run[i++];
          const l = byKey.get(ref.key)?.shift();
          try {
            return await fetchColumns(client.blob, ref);
          } finally {
            if (l) reader.returnPart(l);
            opts.onPart?.();
          }
        },
      });
    }
  }
  // Leases of parts no run covers (batch filter) are given back at once.
  for (const l of leased) if (!used.has(l.part.key)) reader.returnPart(l);
  return { runs, state, parts };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A key or value as plain data for people: decoded by the shard's codec name where the engine
 * knows it (string, unit, json...), else base64 of the bytes, marked so nobody takes it for text.
 */
export function displayValue(codecName: string, bytes: Uint8Array): unknown {
  try {
    if (codecName === 'string') return utf8.decode(bytes);
    if (codecName === 'unit') return null;
    if (codecName === 'json' || codecName.startsWith('json')) return JSON.parse(utf8.decode(bytes));
  } catch {
    // not what its name says: show the bytes
  }
  return { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

export function checkTimeArg(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidUsageError('InvalidTimestamp', `${what} must be a non-negative safe integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The error a cancelled tool stops with: the caller's reason, or "<what> cancelled". */
export function cancelledError(signal: AbortSignal, what: string): Error {
  const r: unknown = signal.reason;
  return r instanceof Error && r.name !== 'AbortError' ? r : new Error(`${what} cancelled`);
}

/** Throws cancelledError when the signal is aborted. */
export function checkCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelledError(signal, what);
}
