// State diffs (in consensus) and rollups (in blob) are checksummed JSON: a corrupt version is
// reported as CorruptDataError naming its key instead of being replayed into wrong state.
//
// Format 2 binds a version to where it belongs: it names its shard (and, in the JSON, its seqno),
// and the checked decoders reject a version of another shard or seqno stored in this one's place.
//
//   format 1:  u32 CRC32 of the rest | JSON ('{' first)
//   format 2:  u32 CRC32 of the rest | 0x02 | shard tag | JSON
//   shard tag: 0x00 + the 16 bytes of the uuid of a canonical `s<uuid>` id (cheap: every append
//              writes one), or 0x01 + u8 length + the UTF-8 of any other id
import { crc32 } from 'node:zlib';
import { CorruptDataError } from '../errors.js';
import type { ShardState, StateDiff } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const FORMAT_2 = 0x02;
const JSON_OPEN = 0x7b; // '{': the first payload byte of format 1
const CANONICAL = /^s([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

const tags = new Map<string, Uint8Array>();
/** Tags kept at most: a process touches few shards, but tools may walk many. */
const MAX_TAGS = 1024;

/** The shard tag of shardId (see the format above), cached: every append seals one. */
function shardTag(shardId: string): Uint8Array {
  let tag = tags.get(shardId);
  if (!tag) {
    tag = makeShardTag(shardId);
    if (tags.size >= MAX_TAGS) tags.clear();
    tags.set(shardId, tag);
  }
  return tag;
}

function makeShardTag(shardId: string): Uint8Array {
  const m = CANONICAL.exec(shardId);
  if (m) {
    const tag = new Uint8Array(17);
    tag.set(Buffer.from(m.slice(1).join(''), 'hex'), 1);
    return tag;
  }
  const id = enc.encode(shardId);
  if (id.length > 255) throw new Error(`shard id of ${id.length} bytes cannot be encoded`);
  const tag = new Uint8Array(2 + id.length);
  tag[0] = 1;
  tag[1] = id.length;
  tag.set(id, 2);
  return tag;
}

/** The shard id a tag at bytes[at] names, and the tag's length; null if it is not a tag. */
function readShardTag(bytes: Uint8Array, at: number): { shardId: string; len: number } | null {
  if (bytes[at] === 0 && at + 17 <= bytes.length) {
    const h = Buffer.from(bytes.subarray(at + 1, at + 17)).toString('hex');
    return { shardId: `s${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`, len: 17 };
  }
  if (bytes[at] === 1 && at + 2 <= bytes.length && at + 2 + bytes[at + 1] <= bytes.length) {
    try {
      return { shardId: dec.decode(bytes.subarray(at + 2, at + 2 + bytes[at + 1])), len: 2 + bytes[at + 1] };
    } catch {
      return null;
    }
  }
  return null;
}

function seal(shardId: string, json: string): Uint8Array {
  const tag = shardTag(shardId);
  // The JSON is written straight into the sealed buffer (no intermediate encoding to copy).
  const at = 5 + tag.length;
  // Small versions (every append's diff) come from Buffer's pool: a buffer of their own is an
  // ArrayBuffer allocation and a backing store for the collector to track, per append.
  const buf = Buffer.allocUnsafe(at + Buffer.byteLength(json));
  buf[4] = FORMAT_2;
  buf.set(tag, 5);
  buf.write(json, at);
  buf.writeUInt32LE(crc32(buf.subarray(4)), 0);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The JSON value sealed in bytes, and the shard it names (null for format 1, which names none). */
function unseal(key: string, bytes: Uint8Array): { value: unknown; shardId: string | null } {
  if (bytes.length < 5) throw new CorruptDataError(key, `truncated (${bytes.length} bytes)`);
  const rest = bytes.subarray(4);
  const want = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (crc32(rest) !== want) throw new CorruptDataError(key, 'checksum mismatch');
  let json: Uint8Array;
  let shardId: string | null = null;
  if (rest[0] === JSON_OPEN) {
    json = rest;
  } else if (rest[0] === FORMAT_2) {
    const tag = readShardTag(rest, 1);
    if (!tag) throw new CorruptDataError(key, 'undecodable shard id');
    shardId = tag.shardId;
    json = rest.subarray(1 + tag.len);
  } else {
    throw new CorruptDataError(key, `unknown state format ${rest[0]}`);
  }
  try {
    return { value: JSON.parse(dec.decode(json)), shardId };
  } catch (e) {
    throw new CorruptDataError(key, `undecodable: ${(e as Error).message}`);
  }
}

/** Rejects a version that names another shard or seqno than the place it was read from. */
function checkPlace(key: string, what: string, named: { shardId: string | null; seqno: number }, shardId: string, seqno: number): void {
  if (named.shardId !== null && named.shardId !== shardId) {
    throw new CorruptDataError(key, `${what} of shard ${named.shardId} is stored in the place of one of ${shardId}`);
  }
  if (named.seqno !== seqno) {
    throw new CorruptDataError(key, `${what} of seqno ${named.seqno} is stored in the place of seqno ${seqno}`);
  }
}

/** The diff of shardId's version diff.seqno, bound to both. */
export function encodeDiff(shardId: string, diff: StateDiff): Uint8Array {
  return seal(shardId, JSON.stringify(diff));
}

/**
 * The diff stored in consensus as version seqno of shardId: CorruptDataError (keyed
 * `shard@seqno`) when the bytes are damaged or are another shard's or another seqno's version.
 */
export function decodeDiffAt(shardId: string, seqno: number, bytes: Uint8Array): StateDiff {
  const key = `${shardId}@${seqno}`;
  const { value, shardId: named } = unseal(key, bytes);
  const d = value as StateDiff;
  if (typeof d !== 'object' || d === null || !Number.isSafeInteger(d.seqno)) {
    throw new CorruptDataError(key, 'not a state diff');
  }
  checkPlace(key, 'the state diff', { shardId: named, seqno: d.seqno }, shardId, seqno);
  return d;
}

/**
 * Decodes a diff read under key. A key of the form `shard@seqno` is checked as decodeDiffAt does;
 * prefer decodeDiffAt, which cannot be handed a key of another form.
 */
export function decodeDiff(key: string, bytes: Uint8Array): StateDiff {
  const at = key.lastIndexOf('@');
  const seqno = Number(key.slice(at + 1));
  if (at > 0 && Number.isSafeInteger(seqno) && key.slice(at + 1) === String(seqno)) return decodeDiffAt(key.slice(0, at), seqno, bytes);
  const { value } = unseal(key, bytes);
  const d = value as StateDiff;
  if (typeof d !== 'object' || d === null || !Number.isSafeInteger(d.seqno)) {
    throw new CorruptDataError(key, 'not a state diff');
  }
  return d;
}

export function encodeState(state: ShardState): Uint8Array {
  return seal(state.shardId, JSON.stringify(state));
}

/** The rollup of shardId at seqno, read from blob key: checked to be that shard's state at that seqno. */
export function decodeRollup(shardId: string, seqno: number, key: string, bytes: Uint8Array): ShardState {
  const s = decodeState(key, bytes);
  if (s.shardId !== shardId) throw new CorruptDataError(key, `the rollup of shard ${s.shardId} is stored in the place of one of ${shardId}`);
  if (s.seqno !== seqno) throw new CorruptDataError(key, `the rollup of seqno ${s.seqno} is stored in the place of seqno ${seqno}`);
  return s;
}

/** Decodes a state read under key, unchecked against its place (decodeRollup checks). */
export function decodeState(key: string, bytes: Uint8Array): ShardState {
  const { value, shardId } = unseal(key, bytes);
  const s = value as ShardState;
  if (typeof s !== 'object' || s === null || typeof s.shardId !== 'string' || !Array.isArray(s.batches) || !Number.isSafeInteger(s.seqno)) {
    throw new CorruptDataError(key, 'not a shard state');
  }
  if (shardId !== null && shardId !== s.shardId) throw new CorruptDataError(key, `a state of shard ${s.shardId} is sealed as one of ${shardId}`);
  return s;
}
