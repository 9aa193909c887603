// The part format: a header and an Arrow IPC stream of one record batch
// {k: Binary, v: Binary, t: Int, d: Int}, where t and d are signed integers of 8, 16, 32 or 64 bits
// (the narrowest that holds the part's values: a bulk load at one small time with diffs of 1 spends
// 2 bytes a row on them, not 16).
//
//   0  magic "SSP1"
//   4  u16 format version (3), u16 flags (0)
//   8  u32 payload length (the bytes after the header)
//  12  u32 CRC32 of the key bytes followed by the payload
//  16  u16 key length L, then the part's blob key (UTF-8), zero-padded to a multiple of 8 bytes
//
// The key binds the bytes to the place they belong: a valid part copied or restored under another
// part's key (of this shard or another) is corrupt data, never another part's rows. Version 1
// (written before: a 16-byte header without the key) is still read, unbound; version 2 is version
// 3's header with int64 t and d columns only (a version-2 reader would reject narrow columns as
// corrupt, so narrow columns got a new version number: such a reader says "unknown version").
//
// The stream is written by hand into one buffer of its exact size (apache-arrow's writer copies
// the data about three times); only the small flatbuffer metadata comes from apache-arrow. Arrow
// data is read back from the vectors' raw buffers: Arrow's row API is far too slow for millions
// of updates. The header keeps the payload 8-byte aligned, so decoding is zero-copy for the binary
// columns when the input buffer is aligned.
import {
  Binary,
  type Data,
  Field,
  Int8,
  Int16,
  Int32,
  Int64,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Type,
} from 'apache-arrow';
import {
  BufferRegion,
  FieldNode,
  Message,
  RecordBatch as RecordBatchHeader,
} from 'apache-arrow/ipc/metadata/message';
import { crc32 } from 'node:zlib';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { int64FromNumbers, numbersFromInt64 } from './int64.js';
import type { BinaryColumn, PartColumns } from './types.js';

export const PART_MAGIC = 0x31505353; // "SSP1" read as a little-endian u32
export const PART_FORMAT_VERSION = 3;
/** The fixed part of the header, and all of a version-1 header. */
export const PART_HEADER_BYTES = 16;
const MAX_KEY_BYTES = 0xffff;
const utf8 = new TextEncoder();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Header bytes of a version-2 or 3 part with a key of keyBytes bytes. */
function headerBytes(keyBytes: number): number {
  return (PART_HEADER_BYTES + 2 + keyBytes + 7) & ~7;
}

const NAMES = ['k', 'v', 't', 'd'] as const;
/** Byte widths of the integer columns, narrowest first. */
const WIDTHS = [1, 2, 4, 8] as const;
type Width = (typeof WIDTHS)[number];

function intType(width: Width): Int8 | Int16 | Int32 | Int64 {
  return width === 1 ? new Int8() : width === 2 ? new Int16() : width === 4 ? new Int32() : new Int64();
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** An IPC message framed as the stream format wants it: continuation, length, flatbuffer, padding. */
function framed(flatbuffer: Uint8Array): Uint8Array {
  const size = pad8(8 + flatbuffer.length);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, -1, true);
  dv.setInt32(4, size - 8, true);
  out.set(flatbuffer, 8);
  return out;
}

// The schema message of each (time width, diff width): there are only 16.
const schemaMessages = new Map<number, Uint8Array>();
function schemaMessage(tw: Width, dw: Width): Uint8Array {
  const id = tw * 16 + dw;
  let m = schemaMessages.get(id);
  if (!m) {
    const schema = new Schema([
      new Field('k', new Binary(), false),
      new Field('v', new Binary(), false),
      new Field('t', intType(tw), false),
      new Field('d', intType(dw), false),
    ]);
    m = framed(Message.encode(Message.from(schema)));
    schemaMessages.set(id, m);
  }
  return m;
}

/**
 * The narrowest width that holds values[0, len), which must be safe integers (and non-negative for
 * times): else an InvalidUsageError, as nothing else may enter a part.
 */
function widthOf(values: Float64Array, len: number, what: 'time' | 'diff'): Width {
  let min = 0;
  let max = 0;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if ((v | 0) !== v && !Number.isSafeInteger(v)) return badInt(v, what);
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (what === 'time' && min < 0) return badInt(min, what);
  if (min >= -0x80 && max <= 0x7f) return 1;
  if (min >= -0x8000 && max <= 0x7fff) return 2;
  if (min >= -0x80000000 && max <= 0x7fffffff) return 4;
  return 8;
}

function badInt(v: number, what: 'time' | 'diff'): never {
  throw new InvalidUsageError(
    what === 'time' ? 'InvalidTimestamp' : 'InvalidDiff',
    `${what} ${v} is not a ${what === 'time' ? 'non-negative ' : ''}safe integer`,
  );
}

/** Writes values[0, len) at out[at] as signed integers of width bytes (checked by widthOf). */
function writeInts(out: Uint8Array, at: number, values: Float64Array, len: number, width: Width): void {
  const src = values.length === len ? values : values.subarray(0, len);
  if (width === 1) new Int8Array(out.buffer, out.byteOffset + at, len).set(src);
  else if (width === 2) new Int16Array(out.buffer, out.byteOffset + at, len).set(src);
  else if (width === 4) new Int32Array(out.buffer, out.byteOffset + at, len).set(src);
  else int64FromNumbers(src, len, new Int32Array(out.buffer, out.byteOffset + at, len * 2), false);
}

/** Writes col's offsets (rebased to start at 0) as Int32 at out[at]. */
function writeOffsets(out: Uint8Array, at: number, col: BinaryColumn, len: number): void {
  const dst = new Int32Array(out.buffer, out.byteOffset + at, len + 1);
  const src = col.offsets;
  const base = src[0];
  if (base === 0) dst.set(src.length === len + 1 ? src : src.subarray(0, len + 1));
  else for (let i = 0; i <= len; i++) dst[i] = src[i] - base;
}

/**
 * A buffer encodePart may encode into instead of allocating one per part: a writer of many parts
 * in sequence (a builder) keeps one, so each part leaves no part-sized garbage behind (dead
 * buffers pile up to tens of MiB before the collector frees them).
 */
export interface EncodeScratch {
  buf: Uint8Array | null;
}

/** A zeroed buffer of size bytes: the scratch's, grown when too small, else a fresh one. */
function outputBuffer(size: number, scratch: EncodeScratch | undefined): Uint8Array {
  if (!scratch) return new Uint8Array(size);
  let b = scratch.buf;
  if (!b || b.length < size) {
    // Some headroom: parts of one writer differ in size by a few percent.
    b = scratch.buf = new Uint8Array(size + (size >> 4));
    return b.subarray(0, size);
  }
  const out = b.subarray(0, size);
  out.fill(0); // padding must be zero, as in a fresh buffer
  return out;
}

/**
 * Encodes columns (which must hold safe integer times and diffs) as one part, bound to key: the
 * blob key it will be stored under, which decodePart checks. With scratch, the result is a view
 * of scratch's buffer, valid until the next encodePart with the same scratch.
 */
export function encodePart(cols: PartColumns, key: string, scratch?: EncodeScratch): Uint8Array {
  const keyBytes = utf8.encode(key);
  if (keyBytes.length > MAX_KEY_BYTES) throw new InvalidUsageError('InvalidArgument', `part key is over ${MAX_KEY_BYTES} bytes`);
  const len = cols.len;
  const tw = widthOf(cols.times, len, 'time');
  const dw = widthOf(cols.diffs, len, 'diff');
  const kStart = cols.keys.offsets[0];
  const kBytes = cols.keys.offsets[len] - kStart;
  const vStart = cols.vals.offsets[0];
  const vBytes = cols.vals.offsets[len] - vStart;

  // The body: per column a validity buffer (empty: no nulls), then offsets and data, or values.
  const sizes = [0, (len + 1) * 4, kBytes, 0, (len + 1) * 4, vBytes, 0, len * tw, 0, len * dw];
  const regions: BufferRegion[] = [];
  let bodyLength = 0;
  for (const s of sizes) {
    regions.push(new BufferRegion(bodyLength, s));
    bodyLength += pad8(s);
  }
  const nodes = NAMES.map(() => new FieldNode(len, 0));
  const schema = schemaMessage(tw, dw);
  const batch = framed(Message.encode(Message.from(new RecordBatchHeader(len, nodes, regions, null), bodyLength)));

  const header = headerBytes(keyBytes.length);
  const payloadLength = schema.length + batch.length + bodyLength + 8;
  const out = outputBuffer(header + payloadLength, scratch);
  out.set(schema, header);
  out.set(batch, header + schema.length);
  const body = header + schema.length + batch.length;
  writeOffsets(out, body + regions[1].offset, cols.keys, len);
  out.set(cols.keys.data.subarray(kStart, kStart + kBytes), body + regions[2].offset);
  writeOffsets(out, body + regions[4].offset, cols.vals, len);
  out.set(cols.vals.data.subarray(vStart, vStart + vBytes), body + regions[5].offset);
  writeInts(out, body + regions[7].offset, cols.times, len, tw);
  writeInts(out, body + regions[9].offset, cols.diffs, len, dw);
  // End of stream: a continuation marker and a zero length.
  new DataView(out.buffer, out.byteOffset).setInt32(body + bodyLength, -1, true);

  const payload = out.subarray(header);
  const view = new DataView(out.buffer, out.byteOffset, header);
  view.setUint32(0, PART_MAGIC, true);
  view.setUint16(4, PART_FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, payloadLength, true);
  view.setUint32(12, crc32(payload, crc32(keyBytes)), true);
  view.setUint16(16, keyBytes.length, true);
  out.set(keyBytes, 18);
  return out;
}

function binaryColumn(key: string, name: string, data: Data, len: number): BinaryColumn {
  if (data.typeId !== Type.Binary) throw new CorruptDataError(key, `column ${name} is not binary`);
  const raw = data.valueOffsets as Int32Array | undefined;
  const values = data.values as Uint8Array | undefined;
  if (!(raw instanceof Int32Array) || !(values instanceof Uint8Array) || raw.length < data.offset + len + 1) {
    throw new CorruptDataError(key, `column ${name} has missing or short buffers`);
  }
  let offsets = raw.subarray(data.offset, data.offset + len + 1);
  const base = offsets[0];
  const limit = values.length;
  let prev = base;
  if (base < 0) throw new CorruptDataError(key, `column ${name} offsets out of range`);
  for (let i = 1; i <= len; i++) {
    const o = offsets[i];
    if (o < prev || o > limit) throw new CorruptDataError(key, `column ${name} offsets out of range`);
    prev = o;
  }
  if (base !== 0) {
    const rebased = new Int32Array(len + 1);
    for (let i = 0; i <= len; i++) rebased[i] = offsets[i] - base;
    offsets = rebased;
  }
  return { offsets, data: values.subarray(base, prev) };
}

function intColumn(key: string, name: string, data: Data, len: number, nonNegative: boolean, into?: Float64Array): Float64Array {
  const type = data.type as { typeId: Type; bitWidth?: number; isSigned?: boolean };
  const width = type.bitWidth;
  if (data.typeId !== Type.Int || type.isSigned !== true || (width !== 8 && width !== 16 && width !== 32 && width !== 64)) {
    throw new CorruptDataError(key, `column ${name} is not a signed integer column (int8, int16, int32 or int64)`);
  }
  const values = data.values as Int8Array | Int16Array | Int32Array | BigInt64Array | undefined;
  const expected = width === 8 ? Int8Array : width === 16 ? Int16Array : width === 32 ? Int32Array : BigInt64Array;
  if (!(values instanceof expected) || values.length < data.offset + len) {
    throw new CorruptDataError(key, `column ${name} has a missing or short buffer`);
  }
  const out = into !== undefined && into.length >= len ? into.subarray(0, len) : new Float64Array(len);
  if (values instanceof BigInt64Array) {
    const words = new Int32Array(values.buffer, values.byteOffset + data.offset * 8, len * 2);
    const bad = numbersFromInt64(words, len, out, nonNegative);
    if (bad >= 0) {
      throw new CorruptDataError(key, `column ${name} row ${bad} is not a ${nonNegative ? 'non-negative ' : ''}safe integer`);
    }
    return out;
  }
  out.set((values as Int8Array | Int16Array | Int32Array).subarray(data.offset, data.offset + len));
  if (nonNegative) {
    for (let i = 0; i < len; i++) {
      if (out[i] < 0) throw new CorruptDataError(key, `column ${name} row ${i} is not a non-negative safe integer`);
    }
  }
  return out;
}

/** The payload of a checked part: its header is intact and names key (version 1: names nothing). */
function checkedPayload(key: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < PART_HEADER_BYTES) throw new CorruptDataError(key, `truncated part (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== PART_MAGIC) throw new CorruptDataError(key, 'not a part (bad magic)');
  const version = view.getUint16(4, true);
  if (version !== 1 && version !== 2 && version !== PART_FORMAT_VERSION) throw new CorruptDataError(key, `unknown part format version ${version}`);
  const flags = view.getUint16(6, true);
  if (flags !== 0) throw new CorruptDataError(key, `unknown part flags ${flags}`);
  let header = PART_HEADER_BYTES;
  let stored: Uint8Array | null = null;
  if (version !== 1) {
    if (bytes.length < PART_HEADER_BYTES + 2) throw new CorruptDataError(key, `truncated part (${bytes.length} bytes)`);
    const keyLen = view.getUint16(16, true);
    header = headerBytes(keyLen);
    if (bytes.length < header) throw new CorruptDataError(key, `truncated part (${bytes.length} bytes)`);
    stored = bytes.subarray(18, 18 + keyLen);
    for (let i = 18 + keyLen; i < header; i++) {
      if (bytes[i] !== 0) throw new CorruptDataError(key, 'part header padding is not zero');
    }
  }
  const payload = bytes.subarray(header);
  const expectedLen = view.getUint32(8, true);
  if (payload.length !== expectedLen) {
    throw new CorruptDataError(key, `payload is ${payload.length} bytes, header says ${expectedLen}`);
  }
  const crc = stored ? crc32(payload, crc32(stored)) : crc32(payload);
  if (crc !== view.getUint32(12, true)) throw new CorruptDataError(key, 'checksum mismatch');
  if (stored && !sameKey(stored, key)) {
    let named: string;
    try {
      named = JSON.stringify(utf8Fatal.decode(stored));
    } catch {
      named = 'an undecodable key';
    }
    throw new CorruptDataError(key, `the part stored here belongs to ${named}: a part under the wrong key`);
  }
  return payload;
}

function sameKey(stored: Uint8Array, key: string): boolean {
  // Keys are ASCII in practice: compare without encoding.
  if (stored.length === key.length) {
    let i = 0;
    while (i < stored.length && stored[i] === key.charCodeAt(i)) i++;
    if (i === stored.length) return true;
  }
  return Buffer.compare(stored, utf8.encode(key)) === 0;
}

/**
 * Decodes a part written by encodePart under key. Anything wrong with the bytes, including a part
 * that was written for another key, is a CorruptDataError naming key. The binary columns of the
 * result may be views into bytes, which must not be modified. With `into`, times and diffs are
 * decoded into its buffers when they are long enough (a merge reusing them part after part).
 */
export function decodePart(key: string, bytes: Uint8Array, into?: { times: Float64Array; diffs: Float64Array }): PartColumns {
  const payload = checkedPayload(key, bytes);

  let batches: RecordBatch[];
  let schema: Schema;
  try {
    const reader = RecordBatchReader.from(payload).open();
    schema = reader.schema;
    batches = reader.readAll();
  } catch (e) {
    throw new CorruptDataError(key, `undecodable Arrow stream: ${(e as Error).message}`);
  }
  const names = schema?.fields.map((f) => f.name).join(',');
  if (names !== 'k,v,t,d') throw new CorruptDataError(key, `unexpected columns [${names}]`);
  if (batches.length !== 1) throw new CorruptDataError(key, `expected one record batch, found ${batches.length}`);
  const data = batches[0].data;
  const len = data.length;
  const children = data.children;
  if (children.length !== 4) throw new CorruptDataError(key, `expected 4 columns, found ${children.length}`);
  for (let i = 0; i < 4; i++) {
    const c = children[i];
    if (c.length !== len) throw new CorruptDataError(key, `column ${NAMES[i]} has ${c.length} rows, expected ${len}`);
    if (c.nullCount !== 0) throw new CorruptDataError(key, `column ${NAMES[i]} has nulls`);
  }
  return {
    len,
    keys: binaryColumn(key, 'k', children[0], len),
    vals: binaryColumn(key, 'v', children[1], len),
    times: intColumn(key, 't', children[2], len, true, into?.times),
    diffs: intColumn(key, 'd', children[3], len, false, into?.diffs),
  };
}
