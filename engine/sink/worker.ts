// A sink worker thread: sorts, consolidates and encodes its key-hash share of the updates into
// parts, and uploads them itself when the location lets it (a SQLite file: see part-store.ts),
// so the calling thread only routes rows and appends. Otherwise the encoded part goes back to the
// parent, which uploads it.
import { parentPort } from 'node:worker_threads';
import { UpdateArena, MAX_ARENA_ROWS } from '../part/arena.js';
import { decodePart, encodePart } from '../part/encode.js';
import type { PartColumns } from '../part/types.js';
import { partKey } from '../paths.js';
import { openPartStore, type PartStore } from './part-store.js';
import { ChunkReader } from './rows.js';

// `now` is the parent's clock (config.now): part keys carry their creation time.
type FromParent =
  | { type: 'init'; targetBytes: number; shardId: string; sqlitePath: string | null; shared: SharedArrayBuffer; slotBytes: number }
  | { type: 'chunk'; slot: number; buf: ArrayBuffer | null; len: number; now: number }
  | { type: 'flush'; id: number; now: number }
  | { type: 'split'; id: number; key: string; bytes: Uint8Array; upper: number; now: number }
  | { type: 'close' };

export interface PartOut { key: string; bytes: Uint8Array | null; encodedSizeBytes: number; len: number; minTime: number; maxTime: number }

const port = parentPort!;
let targetBytes = 8 << 20;
let shardId = '';
let now = 0;
let store: PartStore | null = null;
let shared: Uint8Array = new Uint8Array(0);
let slotBytes = 0;
// One arena, cleared after each part: a fresh one per part would regrow (and zero) its buffer
// every time, and its garbage is what the worker's collector spent most of its time on.
let arena = new UpdateArena();
const reader = new ChunkReader();
let consumed = 0;
let minTime = Infinity;
let maxTime = -Infinity;

/** Stores an encoded part here if the worker has its own connection; else hands the bytes on. */
function put(key: string, bytes: Uint8Array, len: number, lo: number, hi: number): { part: PartOut; transfer: ArrayBuffer[] } {
  if (store) {
    store.set(key, bytes);
    return { part: { key, bytes: null, encodedSizeBytes: bytes.length, len, minTime: lo, maxTime: hi }, transfer: [] };
  }
  return { part: { key, bytes, encodedSizeBytes: bytes.length, len, minTime: lo, maxTime: hi }, transfer: [bytes.buffer as ArrayBuffer] };
}

function emit(): void {
  if (arena.len === 0) return;
  // The output view is reused by the next sort; encodePart copies it into the part's own buffer.
  const cols = arena.sortAndConsolidate({ reuseOutput: true });
  const c = consumed;
  consumed = 0;
  const lo = minTime;
  const hi = maxTime;
  minTime = Infinity;
  maxTime = -Infinity;
  if (cols.len === 0) {
    arena.clear();
    port.postMessage({ type: 'part', part: null, consumed: c });
    return;
  }
  const key = partKey(shardId, now);
  const bytes = encodePart(cols, key);
  arena.clear();
  const { part, transfer } = put(key, bytes, cols.len, lo, hi);
  port.postMessage({ type: 'part', part, consumed: c }, transfer);
}

function ingest(m: { slot: number; buf: ArrayBuffer | null; len: number }): void {
  const len = m.len;
  reader.reset(m.buf ? new Uint8Array(m.buf) : shared.subarray(m.slot * slotBytes, (m.slot + 1) * slotBytes), len);
  const a = arena;
  const r = reader;
  const keys = r.keys;
  const vals = r.vals;
  while (r.next()) {
    // The row is copied straight from the chunk into the arena (see ChunkReader).
    a.addEncoded(keys, 0, vals, 0, r.time, r.diff);
    const t = r.time;
    if (t < minTime) minTime = t;
    if (t > maxTime) maxTime = t;
    if (a.sizeBytes >= targetBytes || a.len >= MAX_ARENA_ROWS) emit();
  }
  consumed += len;
  // The bytes of a chunk count against the bound until the part holding them is uploaded;
  // a chunk that filled no part is acknowledged with the next part. Its slot is free again.
  if (!m.buf) port.postMessage({ type: 'free', slot: m.slot });
}

/** The rows of cols whose time passes `keep`, as a stored part (columns stay sorted and consolidated). */
function filterCols(cols: PartColumns, keep: (t: number) => boolean): { part: PartOut; transfer: ArrayBuffer[] } | null {
  const a = new UpdateArena();
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < cols.len; i++) {
    const t = cols.times[i];
    if (!keep(t)) continue;
    a.add(cols.keys.data.subarray(cols.keys.offsets[i], cols.keys.offsets[i + 1]), cols.vals.data.subarray(cols.vals.offsets[i], cols.vals.offsets[i + 1]), t, cols.diffs[i]);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (a.len === 0) return null;
  const out = a.sortAndConsolidate();
  const key = partKey(shardId, now);
  return put(key, encodePart(out, key), out.len, lo, hi);
}

port.on('message', (m: FromParent) => {
  try {
    if (m.type === 'close') {
      store?.close();
      store = null;
      port.postMessage({ type: 'closed' });
      return;
    }
    if (m.type !== 'init') now = m.now;
    if (m.type === 'init') {
      targetBytes = m.targetBytes;
      shardId = m.shardId;
      arena = new UpdateArena(targetBytes + (targetBytes >> 3));
      shared = new Uint8Array(m.shared);
      slotBytes = m.slotBytes;
      store = m.sqlitePath ? openPartStore(m.sqlitePath) : null;
    } else if (m.type === 'chunk') {
      ingest(m);
    } else if (m.type === 'flush') {
      emit();
      if (consumed > 0) {
        port.postMessage({ type: 'part', part: null, consumed });
        consumed = 0;
      }
      port.postMessage({ type: 'flushed', id: m.id });
    } else if (m.type === 'split') {
      const cols = decodePart(m.key, m.bytes);
      const below = filterCols(cols, (t) => t < m.upper);
      const above = filterCols(cols, (t) => t >= m.upper);
      const transfer = [...(below?.transfer ?? []), ...(above?.transfer ?? [])];
      port.postMessage({ type: 'split', id: m.id, below: below?.part ?? null, above: above?.part ?? null }, transfer);
    }
  } catch (e) {
    const err = e as Error & { kind?: string; key?: string };
    port.postMessage({ type: 'error', message: err.message, name: err.name, kind: err.kind, key: err.key });
  }
});
