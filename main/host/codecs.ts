// The shard's codecs by name, and how the app turns typed text into values and values into text.
import { codecs, InvalidUsageError, type Codec } from '../../engine/index.js';
import { parseJsonStrict } from '../../engine/codec-json.js';
import type { CodecName } from '../../preload/contract.js';
import { AppError } from '../router/errors.js';

export function codecByName(name: string): Codec<unknown> {
  if (name === 'string') return codecs.string as Codec<unknown>;
  if (name === 'bytes') return codecs.bytes as Codec<unknown>;
  if (name === 'unit') return codecs.unit as Codec<unknown>;
  if (name === 'json' || name.startsWith('json')) return codecs.json(name);
  throw new InvalidUsageError('InvalidArgument', `the app cannot decode codec "${name}"`);
}

export const isCodecName = (n: string): n is CodecName => ['string', 'json', 'bytes', 'unit'].includes(n);

const HEX = /^([0-9a-fA-F]{2})*$/;

/** Text typed by a user → a value of the codec (json: JSON text; bytes: hex; unit: anything, ignored). */
export function parseValue(codecName: string, text: string, what: string): unknown {
  if (codecName === 'string') return text;
  if (codecName === 'unit') return null;
  if (codecName === 'bytes') {
    const hex = text.replace(/^0x/, '').replace(/\s+/g, '');
    if (!HEX.test(hex)) throw new InvalidUsageError('InvalidArgument', `${what} must be hex bytes for the bytes codec, e.g. 0a1b2c`);
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  try {
    // Exact numbers, no duplicate keys, bounded depth: what is stored is what was typed.
    return parseJsonStrict(text);
  } catch (e) {
    const why = e instanceof InvalidUsageError ? e.message : 'not JSON';
    throw new AppError('BadRequest', `${what} must be JSON for the ${codecName} codec, e.g. {"n": 1} or "text": ${why}`);
  }
}

const hexByte = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The display formatter of a codec: json values as JSON text (so "a" and a differ), bytes as hex. */
export function formatterFor(codecName: string): (v: unknown) => string {
  if (codecName === 'json' || codecName.startsWith('json')) return (v) => JSON.stringify(v) ?? 'undefined';
  return formatValue;
}

/** A decoded value → display text (bytes as hex). */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '()';
  if (v instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < v.length; i++) s += hexByte[v[i]];
    return s;
  }
  return JSON.stringify(v);
}
