// Codecs turn keys and values into bytes. Their names are recorded in shard state so that a shard
// is never read back with a different interpretation of its bytes.
import { unencodableJson } from './codec-json.js';
import { InvalidUsageError } from './errors.js';

export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /**
   * Optional fast path for builders: writes the encoding into dst at offset (which has room for
   * maxEncodedLength(value) bytes) and returns its length, without allocating.
   */
  encodeInto?(value: T, dst: Uint8Array, offset: number): number;
  maxEncodedLength?(value: T): number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

// Strings round-trip exactly: a leading U+FEFF is data, not a byte-order mark to strip, and bytes
// that are not UTF-8 are an error, never U+FFFD.
const stringDec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The string codec accepts well-formed strings only: a lone surrogate has no UTF-8 encoding. */
function checkString(v: unknown): asserts v is string {
  if (typeof v !== 'string') throw new InvalidUsageError('InvalidArgument', `string codec got ${typeof v}`);
  if (!(v as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new InvalidUsageError('InvalidArgument', 'string codec got an ill-formed string (a lone surrogate), which has no UTF-8 encoding');
  }
}

const string: Codec<string> = {
  name: 'string',
  encode(v) {
    checkString(v);
    return enc.encode(v);
  },
  decode: (b) => stringDec.decode(b),
  encodeInto(v, dst, offset) {
    if (typeof v !== 'string') throw new InvalidUsageError('InvalidArgument', `string codec got ${typeof v}`);
    // ASCII is copied by hand: short keys are the common case and this allocates nothing.
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) {
        checkString(v);
        return enc.encodeInto(v, dst.subarray(offset)).written;
      }
      dst[offset + i] = c;
    }
    return n;
  },
  maxEncodedLength: (v) => (typeof v === 'string' ? v.length * 3 : 0),
};

const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  encode(v) {
    if (!(v instanceof Uint8Array)) throw new InvalidUsageError('InvalidArgument', `bytes codec got ${typeof v}`);
    return v;
  },
  // Copy: decoded values must not alias a part buffer that is reused or freed.
  decode: (b) => b.slice(),
  encodeInto(v, dst, offset) {
    if (!(v instanceof Uint8Array)) throw new InvalidUsageError('InvalidArgument', `bytes codec got ${typeof v}`);
    dst.set(v, offset);
    return v.length;
  },
  maxEncodedLength: (v) => (v instanceof Uint8Array ? v.length : 0),
};

const unit: Codec<null> = {
  name: 'unit',
  encode(v) {
    if (v !== null && v !== undefined) throw new InvalidUsageError('InvalidArgument', `unit codec got ${typeof v}`);
    return EMPTY;
  },
  decode: () => null,
};

function json<T>(name = 'json'): Codec<T> {
  return {
    name,
    encode(v) {
      // What JSON would silently change (NaN → null, -0 → 0) or cannot encode (deep nesting) is refused.
      const why = unencodableJson(v);
      if (why) throw new InvalidUsageError('InvalidArgument', `json codec: ${why}`);
      const s = JSON.stringify(v);
      if (s === undefined) throw new InvalidUsageError('InvalidArgument', `json codec cannot encode ${typeof v}`);
      return enc.encode(s);
    },
    decode: (b) => JSON.parse(dec.decode(b)) as T,
  };
}

export const codecs = { string, bytes, unit, json };
