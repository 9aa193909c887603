// A sink worker thread: sorts, consolidates and encodes its key-hash share of the updates into
// parts, off the calling thread. The parent owns the location: it uploads the parts and makes
// TransmittableBatches of them for its appender.
import { parentPort } from 'node:worker_threads';
import { UpdateArena, MAX_ARENA_ROWS } from '../part/arena.js';
import { decodePart, encodePart } from '../part/encode.js';
import type { PartColumns } from '../part/types.js';
import { readRows } from './rows.js';
import { partKey } from '../paths.js';

// `now` is the parent's clock (config.now): part keys carry their creation time.
type FromParent =
  | { type: 'init'; targetBytes: number; shardId: string }
  | { type: 'chunk'; buf: ArrayBuffer; len: number; now: number }
  | { type: 'flush'; id: number; now: number }
  | { type: 'split'; id: number; key: string; bytes: Uint8Array; upper: number; now: number };

const port = parentPort!;
let targetBytes = 8 << 20;
let shardId = '';
let now = 0;
let arena = new UpdateArena();
let consumed = 0;
let minTime = Infinity;
let maxTime = -Infinity;

function emit(): void {
  if (arena.len === 0) return;
  const cols = arena.sortAndConsolidate();
  arena = new UpdateArena();
  const c = consumed;
  consumed = 0;
  const lo = minTime;
  const hi = maxTime;
  minTime = Infinity;
  maxTime = -Infinity;
  if (cols.len === 0) {
    port.postMessage({ type: 'part', bytes: null, len: 0, minTime: lo, maxTime: hi, consumed: c });
    return;
  }
  const key = partKey(shardId, now);
  const bytes = encodePart(cols, key);
  port.postMessage({ type: 'part', key, bytes, len: cols.len, minTime: lo, maxTime: hi, consumed: c }, [bytes.buffer as ArrayBuffer]);
}

/** The rows of cols whose time passes `keep`, as a part (columns stay sorted and consolidated). */
function filterCols(cols: PartColumns, keep: (t: number) => boolean): { key: string; bytes: Uint8Array; len: number; minTime: number; maxTime: number } | null {
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
  return { key, bytes: encodePart(out, key), len: out.len, minTime: lo, maxTime: hi };
}

port.on('message', (m: FromParent) => {
  try {
    if (m.type !== 'init') now = m.now;
    if (m.type === 'init') {
      targetBytes = m.targetBytes;
      shardId = m.shardId;
    } else if (m.type === 'chunk') {
      for (const [k, v, t, d] of readRows(new Uint8Array(m.buf), m.len)) {
        arena.add(k, v, t, d);
        if (t < minTime) minTime = t;
        if (t > maxTime) maxTime = t;
        if (arena.sizeBytes >= targetBytes || arena.len >= MAX_ARENA_ROWS) emit();
      }
      consumed += m.len;
      // The bytes of a chunk count against the bound until the part holding them is uploaded;
      // a chunk that filled no part is acknowledged with the next part.
    } else if (m.type === 'flush') {
      emit();
      if (consumed > 0) {
        port.postMessage({ type: 'part', bytes: null, len: 0, minTime: Infinity, maxTime: -Infinity, consumed });
        consumed = 0;
      }
      port.postMessage({ type: 'flushed', id: m.id });
    } else if (m.type === 'split') {
      const cols = decodePart(m.key, m.bytes);
      const below = filterCols(cols, (t) => t < m.upper);
      const above = filterCols(cols, (t) => t >= m.upper);
      const transfer = [below?.bytes.buffer, above?.bytes.buffer].filter((b): b is ArrayBuffer => !!b);
      port.postMessage({ type: 'split', id: m.id, below, above }, transfer);
    }
  } catch (e) {
    const err = e as Error & { kind?: string; key?: string };
    port.postMessage({ type: 'error', message: err.message, name: err.name, kind: err.kind, key: err.key });
  }
});
