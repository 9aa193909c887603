// The json codec's input rules. JSON.parse and JSON.stringify silently change some values
// (1e400 → null, -0 → 0, 12345678901234567890 → 12345678901234567000, {"a":1,"a":2} → {"a":2})
// and overflow the stack on deep nesting; a stored update must be exactly what was given, so
// such input is refused with the reason instead.
import { InvalidUsageError } from './errors.js';

export interface JsonLimits {
  /** nesting of objects and arrays */
  maxDepth: number;
  /** characters of JSON text */
  maxLength: number;
}

export const JSON_LIMITS: JsonLimits = { maxDepth: 64, maxLength: 1 << 20 };

const fail = (why: string): never => {
  throw new InvalidUsageError('InvalidArgument', why);
};

/** A decimal as (digits without leading/trailing zeros, exponent of the first digit); zero is ('', 0). */
function decimal(text: string): { digits: string; exp: number } {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return { digits: text, exp: NaN };
  const all = m[1] + (m[2] ?? '');
  const lead = all.search(/[1-9]/);
  if (lead < 0) return { digits: '', exp: 0 };
  const digits = all.slice(lead).replace(/0+$/, '');
  return { digits, exp: m[1].length - lead + Number(m[3] ?? 0) };
}

/** Why a JSON number token would not be stored exactly as written, or null if it would. */
export function inexactNumber(token: string): string | null {
  const n = Number(token);
  if (!Number.isFinite(n)) return `the number ${token.slice(0, 40)} is too large to store (it would become null)`;
  const want = decimal(token);
  if (want.digits === '' && token.startsWith('-')) return 'the number -0 would be stored as 0; write 0';
  const got = decimal(String(Math.abs(n)));
  if (got.digits !== want.digits || got.exp !== want.exp) {
    return `the number ${token.slice(0, 40)} cannot be stored exactly (it would become ${n}); quote it as a string`;
  }
  return null;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

/** JSON.parse with the codec's rules: exact numbers, no duplicate keys, bounded depth and length. */
export function parseJsonStrict(text: string, limits: JsonLimits = JSON_LIMITS): unknown {
  if (text.length > limits.maxLength) fail(`the JSON text has ${text.length} characters, more than ${limits.maxLength}`);
  let pos = 0;
  const at = () => `at character ${pos + 1}`;
  const ws = () => {
    WS.lastIndex = pos;
    WS.exec(text);
    pos = WS.lastIndex;
  };
  const str = (): string => {
    const start = pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) fail(`unterminated string starting at character ${start + 1}`);
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      return fail(`invalid string starting at character ${start + 1}`);
    }
  };
  const value = (depth: number): unknown => {
    ws();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= limits.maxDepth) fail(`the JSON nests deeper than ${limits.maxDepth} levels ${at()}`);
      pos++;
      ws();
      if (c === '[') {
        const out: unknown[] = [];
        if (text[pos] === ']') return pos++, out;
        for (;;) {
          out.push(value(depth + 1));
          ws();
          if (text[pos] === ',') pos++;
          else if (text[pos] === ']') return pos++, out;
          else fail(`expected , or ] ${at()}`);
        }
      }
      const out: Record<string, unknown> = {};
      if (text[pos] === '}') return pos++, out;
      for (;;) {
        ws();
        if (text[pos] !== '"') fail(`expected a "key" ${at()}`);
        const key = str();
        if (Object.hasOwn(out, key)) fail(`the key ${JSON.stringify(key.slice(0, 40))} appears twice in one object`);
        ws();
        if (text[pos] !== ':') fail(`expected : ${at()}`);
        pos++;
        // defineProperty: a "__proto__" key is data, never the prototype.
        Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') return pos++, out;
        else fail(`expected , or } ${at()}`);
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', pos)) return (pos += 4), true;
    if (text.startsWith('false', pos)) return (pos += 5), false;
    if (text.startsWith('null', pos)) return (pos += 4), null;
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) return fail(pos >= text.length ? 'the JSON text ends too early' : `unexpected ${JSON.stringify(text[pos])} ${at()}`);
    pos = NUMBER.lastIndex;
    const why = inexactNumber(m[0]);
    if (why) fail(why);
    return Number(m[0]);
  };
  const v = value(0);
  ws();
  if (pos < text.length) fail(`unexpected text after the JSON value ${at()}`);
  return v;
}

/** Why a value would not survive JSON encoding unchanged (NaN, ±Infinity, -0, too deep), or null. */
export function unencodableJson(v: unknown, maxDepth: number = JSON_LIMITS.maxDepth): string | null {
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) return `${x} has no JSON form (it would become null)`;
      if (Object.is(x, -0)) return '-0 would be stored as 0';
    } else if (typeof x === 'bigint') return 'a bigint has no JSON form; use a string';
    else if (typeof x === 'object' && x !== null && !(x instanceof Date) && typeof (x as { toJSON?: unknown }).toJSON !== 'function') {
      if (d >= maxDepth) return `the value nests deeper than ${maxDepth} levels`;
      for (const c of Array.isArray(x) ? x : Object.values(x)) if (typeof c === 'number' || (typeof c === 'object' && c !== null) || typeof c === 'bigint') stack.push([c, d + 1]);
    }
  }
  return null;
}
