// The json codec stores exactly what it is given, or says why it cannot.
import { describe, expect, it } from 'vitest';
import { codecs } from './codec.js';
import { inexactNumber, parseJsonStrict } from './codec-json.js';
import { InvalidUsageError } from './errors.js';

describe('parseJsonStrict', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    for (const t of ['{"a":[1,2.5,-3e-7,true,false,null,"x\\n\\u00e9"]}', '[]', '{}', '"s"', '0', '-1.25', '1e21', ' [ 1 , { "b" : 2 } ] ', '0.1', '1.0', '9007199254740991']) {
      expect(parseJsonStrict(t)).toEqual(JSON.parse(t));
    }
  });

  it.each([
    ['1e400', /too large/],
    ['-1e400', /too large/],
    ['-0', /-0 would be stored as 0/],
    ['-0.0e5', /-0/],
    ['12345678901234567890', /cannot be stored exactly/],
    ['0.1000000000000000055511151231257827', /cannot be stored exactly/],
    ['{"a":1,"a":2}', /"a" appears twice/],
    ['{"a":1', /expected , or \}|ends too early/],
    ['[1,]', /unexpected/],
    ['{"a":1} x', /after the JSON value/],
    ['NaN', /unexpected/],
    ['"\u0001"', /invalid string/],
  ])('refuses %s', (text, why) => {
    expect(() => parseJsonStrict(text)).toThrow(InvalidUsageError);
    expect(() => parseJsonStrict(text)).toThrow(why);
  });

  it('refuses deep nesting with a clear error instead of overflowing the stack', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    expect(() => parseJsonStrict(deep)).toThrow(/nests deeper than 64 levels/);
    const deepKey = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    expect(() => parseJsonStrict(deepKey)).toThrow(/nests deeper/);
    expect(parseJsonStrict('['.repeat(64) + ']'.repeat(64))).toBeInstanceOf(Array);
  });

  it('refuses oversized text', () => {
    expect(() => parseJsonStrict('"' + 'x'.repeat(100) + '"', { maxDepth: 8, maxLength: 50 })).toThrow(/more than 50/);
  });

  it('keeps a "__proto__" key as data', () => {
    const v = parseJsonStrict('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('inexactNumber accepts every number whose shortest form round-trips', () => {
    for (const n of [0, 1, -1, 0.1, 1 / 3, Number.MAX_SAFE_INTEGER, 1e21, 5e-324, Number.MAX_VALUE]) expect(inexactNumber(String(n))).toBeNull();
  });
});

describe('json codec', () => {
  it('refuses values JSON would silently change', () => {
    const c = codecs.json();
    for (const v of [NaN, Infinity, -0, { a: [1, -Infinity] }]) expect(() => c.encode(v)).toThrow(InvalidUsageError);
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => c.encode(deep)).toThrow(/nests deeper/);
    expect(c.decode(c.encode({ a: [1, 'x', null] }))).toEqual({ a: [1, 'x', null] });
  });
});
