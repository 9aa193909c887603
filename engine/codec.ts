// Codecs turn keys and values into bytes. Their names are recorded in shard state so that a shard
// is never read back with a different interpretation of its bytes.
import { InvalidUsageError } from './errors.js';

export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);

const string: Codec<string> = {
  name: 'string',
  encode(v) {
    if (typeof v !== 'string') throw new InvalidUsageError('InvalidArgument', `string codec got ${typeof v}`);
    return enc.encode(v);
  },
  decode: (b) => dec.decode(b),
};

const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  encode(v) {
    if (!(v instanceof Uint8Array)) throw new InvalidUsageError('InvalidArgument', `bytes codec got ${typeof v}`);
    return v;
  },
  // Copy: decoded values must not alias a part buffer that is reused or freed.
  decode: (b) => b.slice(),
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
      const s = JSON.stringify(v);
      if (s === undefined) throw new InvalidUsageError('InvalidArgument', `json codec cannot encode ${typeof v}`);
      return enc.encode(s);
    },
    decode: (b) => JSON.parse(dec.decode(b)) as T,
  };
}

export const codecs = { string, bytes, unit, json };
