// State diffs (in consensus) and rollups (in blob) are checksummed JSON: a corrupt version is
// reported as CorruptDataError naming its key instead of being replayed into wrong state.
import { crc32 } from 'node:zlib';
import { CorruptDataError } from '../errors.js';
import type { ShardState, StateDiff } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function seal(json: string): Uint8Array {
  const payload = enc.encode(json);
  const out = new Uint8Array(payload.length + 4);
  new DataView(out.buffer).setUint32(0, crc32(payload), true);
  out.set(payload, 4);
  return out;
}

function unseal(key: string, bytes: Uint8Array): unknown {
  if (bytes.length < 4) throw new CorruptDataError(key, `truncated (${bytes.length} bytes)`);
  const payload = bytes.subarray(4);
  const want = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (crc32(payload) !== want) throw new CorruptDataError(key, 'checksum mismatch');
  try {
    return JSON.parse(dec.decode(payload));
  } catch (e) {
    throw new CorruptDataError(key, `undecodable: ${(e as Error).message}`);
  }
}

export function encodeDiff(diff: StateDiff): Uint8Array {
  return seal(JSON.stringify(diff));
}

export function decodeDiff(key: string, bytes: Uint8Array): StateDiff {
  const d = unseal(key, bytes) as StateDiff;
  if (typeof d !== 'object' || d === null || !Number.isSafeInteger(d.seqno)) {
    throw new CorruptDataError(key, 'not a state diff');
  }
  return d;
}

export function encodeState(state: ShardState): Uint8Array {
  return seal(JSON.stringify(state));
}

export function decodeState(key: string, bytes: Uint8Array): ShardState {
  const s = unseal(key, bytes) as ShardState;
  if (typeof s !== 'object' || s === null || typeof s.shardId !== 'string' || !Array.isArray(s.batches)) {
    throw new CorruptDataError(key, 'not a shard state');
  }
  return s;
}
