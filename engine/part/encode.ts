// The part format: a header and an Arrow IPC stream of one record batch
// {k: Binary, v: Binary, t: Int64, d: Int64}.
//
//   0  magic "SSP1"
//   4  u16 format version (2), u16 flags (0)
//   8  u32 payload length (the bytes after the header)
//  12  u32 CRC32 of the key bytes followed by the payload
//  16  u16 key length L, then the part's blob key (UTF-8), zero-padded to a multiple of 8 bytes
//
// The key binds the bytes to the place they belong: a valid part copied or restored under another
// part's key (of this shard or another) is corrupt data, never another part's rows. Version 1
// (written before: a 16-byte header without the key) is still read, unbound.
//
// Arrow data is built straight from the typed arrays and read back from the vectors' raw buffers:
// Arrow's row API is far too slow for millions of updates. The header keeps the payload 8-byte
// aligned, so decoding is zero-copy for the binary columns when the input buffer is aligned.
import {
  Binary,
  type Data,
  Field,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Type,
} from 'apache-arrow';
import { crc32 } from 'node:zlib';
import { CorruptDataError, InvalidUsageError } from '../errors.js';
import { int64FromNumbers, numbersFromInt64 } from './int64.js';
import type { BinaryColumn, PartColumns } from './types.js';

export const PART_MAGIC = 0x31505353; // "SSP1" read as a little-endian u32
export const PART_FORMAT_VERSION = 2;
/** The fixed part of the header, and all of a version-1 header. */
export const PART_HEADER_BYTES = 16;
const MAX_KEY_BYTES = 0xffff;
const utf8 = new TextEncoder();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Header bytes of a version-2 part with a key of keyBytes bytes. */
function headerBytes(keyBytes: number): number {
  return (PART_HEADER_BYTES + 2 + keyBytes + 7) & ~7;
}

const FIELDS = [
  new Field('k', new Binary(), false),
  new Field('v', new Binary(), false),
  new Field('t', new Int64(), false),
  new Field('d', new Int64(), false),
];
const SCHEMA = new Schema(FIELDS);

/** Writes room for the part header in front of the Arrow stream, so the stream is not copied again. */
class PartStreamWriter extends RecordBatchStreamWriter {
  headerBytes = PART_HEADER_BYTES;
  protected override _writeSchema(schema: Schema): this {
    this._write(new Uint8Array(this.headerBytes));
    return super._writeSchema(schema);
  }
}

function binaryData(col: BinaryColumn, len: number): Data<Binary> {
  const base = col.offsets[0];
  let offsets = col.offsets.length === len + 1 ? col.offsets : col.offsets.subarray(0, len + 1);
  if (base !== 0) {
    offsets = new Int32Array(len + 1);
    for (let i = 0; i <= len; i++) offsets[i] = col.offsets[i] - base;
  }
  return makeData({
    type: new Binary(),
    length: len,
    nullCount: 0,
    valueOffsets: offsets,
    data: col.data.subarray(base, col.offsets[len]),
  });
}

function int64Data(values: Float64Array, len: number, what: 'time' | 'diff'): Data<Int64> {
  const out = new BigInt64Array(len);
  const bad = int64FromNumbers(values, len, new Int32Array(out.buffer), what === 'time');
  if (bad >= 0) {
    throw new InvalidUsageError(
      what === 'time' ? 'InvalidTimestamp' : 'InvalidDiff',
      `${what} ${values[bad]} is not a ${what === 'time' ? 'non-negative ' : ''}safe integer`,
    );
  }
  return makeData({ type: new Int64(), length: len, nullCount: 0, data: out });
}

/**
 * Encodes columns (which must hold safe integer times and diffs) as one part, bound to key: the
 * blob key it will be stored under, which decodePart checks.
 */
export function encodePart(cols: PartColumns, key: string): Uint8Array {
  const keyBytes = utf8.encode(key);
  if (keyBytes.length > MAX_KEY_BYTES) throw new InvalidUsageError('InvalidArgument', `part key is over ${MAX_KEY_BYTES} bytes`);
  const len = cols.len;
  const struct = makeData({
    type: new Struct(FIELDS),
    length: len,
    nullCount: 0,
    children: [
      binaryData(cols.keys, len),
      binaryData(cols.vals, len),
      int64Data(cols.times, len, 'time'),
      int64Data(cols.diffs, len, 'diff'),
    ],
  });
  const header = headerBytes(keyBytes.length);
  const writer = new PartStreamWriter();
  writer.headerBytes = header;
  writer.write(new RecordBatch(SCHEMA, struct));
  writer.finish();
  const out = writer.toUint8Array(true);
  const payload = out.subarray(header);
  const view = new DataView(out.buffer, out.byteOffset, header);
  view.setUint32(0, PART_MAGIC, true);
  view.setUint16(4, PART_FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, payload.length, true);
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

function int64Column(key: string, name: string, data: Data, len: number, nonNegative: boolean): Float64Array {
  const type = data.type as { typeId: Type; bitWidth?: number; isSigned?: boolean };
  if (data.typeId !== Type.Int || type.bitWidth !== 64 || type.isSigned !== true) {
    throw new CorruptDataError(key, `column ${name} is not int64`);
  }
  const values = data.values as BigInt64Array | undefined;
  if (!(values instanceof BigInt64Array) || values.length < data.offset + len) {
    throw new CorruptDataError(key, `column ${name} has a missing or short buffer`);
  }
  const words = new Int32Array(values.buffer, values.byteOffset + data.offset * 8, len * 2);
  const out = new Float64Array(len);
  const bad = numbersFromInt64(words, len, out, nonNegative);
  if (bad >= 0) {
    throw new CorruptDataError(key, `column ${name} row ${bad} is not a ${nonNegative ? 'non-negative ' : ''}safe integer`);
  }
  return out;
}

/** The payload of a checked part: its header is intact and names key (version 1: names nothing). */
function checkedPayload(key: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < PART_HEADER_BYTES) throw new CorruptDataError(key, `truncated part (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== PART_MAGIC) throw new CorruptDataError(key, 'not a part (bad magic)');
  const version = view.getUint16(4, true);
  if (version !== 1 && version !== PART_FORMAT_VERSION) throw new CorruptDataError(key, `unknown part format version ${version}`);
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
 * result may be views into bytes, which must not be modified.
 */
export function decodePart(key: string, bytes: Uint8Array): PartColumns {
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
    if (c.length !== len) throw new CorruptDataError(key, `column ${FIELDS[i].name} has ${c.length} rows, expected ${len}`);
    if (c.nullCount !== 0) throw new CorruptDataError(key, `column ${FIELDS[i].name} has nulls`);
  }
  return {
    len,
    keys: binaryColumn(key, 'k', children[0], len),
    vals: binaryColumn(key, 'v', children[1], len),
    times: int64Column(key, 't', children[2], len, true),
    diffs: int64Column(key, 'd', children[3], len, false),
  };
}
