// The router under random requests over every operation (fast-check, bounded): every answer is
// { ok: true, value } or { ok: false, error: { code, message } } with a code the contract names and
// never Internal; nothing throws; and a shard the requests cannot name keeps exactly its data.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSchemas, type Method } from '../../preload/contract.js';
import type { RuntimeHost } from '../host/runtime-host.js';
import { memHost } from './mem-host.test-util.js';
import { WebLocationPolicy } from '../location-policy.js';
import { Router, type Session } from './router.js';

const CODES = ['BadRequest', 'UnknownMethod', 'NotFound', 'InvalidUsage', 'Since', 'LeaseExpired', 'Conflict', 'Closed', 'Unsupported', 'CorruptData', 'Location'];
const METHODS = Object.keys(requestSchemas) as Method[];

let host: RuntimeHost;
let router: Router;
let target: string;
let guard: string;
let guardBefore: unknown;
const internal: string[] = [];
const session: Session = { send: () => undefined };

async function call(method: string, params: unknown) {
  const r = await router.invoke(session, method, params);
  if (!r.ok) return r;
  return r as { ok: true; value: any };
}

/** What the guard shard holds: its frontiers, counts and every row. */
async function guardData(): Promise<unknown> {
  const d = await call('shard.inspect', { location: 'default', shard: guard });
  const s = await call('shard.snapshot', { location: 'default', shard: guard, asOf: null, offset: 0, limit: 1000 });
  const { summary } = (d as { value: { summary: Record<string, unknown> } }).value;
  return { since: summary.since, upper: summary.upper, updates: summary.updates, rows: (s as { value: { rows: unknown } }).value.rows };
}

beforeAll(async () => {
  // The web host's defaults: no folder given, so no request can create or open any file.
  host = memHost('fuzz', { policy: new WebLocationPolicy({ allowDirs: [], allowCreate: false, allowRemote: false }) });
  await host.start();
  router = new Router(host, (m, e) => internal.push(`${m}: ${String(e)}`));
  const mk = async (n: string, k: string) => ((await call('shard.create', { location: 'default', name: n, keyCodec: k, valCodec: 'string' })) as { value: { id: string } }).value.id;
  target = await mk('target', 'json');
  guard = await mk('guard', 'string');
  await call('shard.write', { location: 'default', shard: guard, updates: [{ key: 'a', val: '1', time: 0, diff: 1 }, { key: 'b', val: '2', time: 1, diff: 3 }], upper: 5 });
  guardBefore = await guardData();
});

afterAll(async () => {
  router.closeAll();
  await host.close();
});

// Values a request field may take: well-formed ones (so requests reach the handlers) and hostile ones.
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', '../../etc/passwd', '/etc/passwd', '%00', '\u0000', '__proto__', 'constructor', 'default', '{"a":1,"a":2}', '1e400', '-0', '12345678901234567890', '[[[[[[[[]]]]]]]]', 'null', '"x"', '{}'),
);
const num = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constantFrom(0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e300, Number.MAX_SAFE_INTEGER));
const shardId = () => fc.oneof(fc.constant(target), fc.uuid().map((u) => `s${u}`), text);
const location = fc.oneof(fc.constant('default'), fc.constantFrom('loc1', 'loc2', 'nope'), text);
const uri = fc.oneof(
  fc.constantFrom('mem://fz', 'mem://', 'sqlite:///tmp/fuzz.sqlite', 'file:///tmp', 'postgres://u@127.0.0.1:1/db', 'postgres://u:p@10.0.0.1/db', 's3://bucket/p', 's3://b/p?endpoint=http://k:s@127.0.0.1:1', 'http://x', '://', 'mem://default'),
  text,
);
const anyValue = fc.oneof(text, num, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

function field(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'location':
      return location;
    case 'shard':
      return shardId();
    case 'updates':
      return fc.oneof(
        fc.array(fc.record({ key: text, val: text, time: fc.oneof(num, fc.constant(null)), diff: num }), { maxLength: 4 }),
        fc.integer({ min: -1, max: 20 }),
        anyValue,
      );
    case 'blob':
    case 'consensus':
      return uri;
    case 'path':
      return fc.oneof(fc.constantFrom('/tmp/fuzz-new.sqlite', '/etc/passwd', '/root/.ssh/authorized_keys', 'relative.sqlite', '/tmp'), text);
    case 'kind':
      return fc.constantFrom('default', 'sandbox', 'uri', 'recent', 'leased', 'critical', 'reader', 'writer', 'nope');
    case 'topic':
      return fc.constantFrom('shards', 'shard', 'live', 'compaction', 'nope');
    case 'keyCodec':
    case 'valCodec':
      return fc.constantFrom('string', 'json', 'bytes', 'unit', 'nope');
    case 'keys':
      return fc.array(text, { maxLength: 3 });
    default:
      return fc.oneof(num, text, fc.constant(null));
  }
}

const FIELDS = ['location', 'shard', 'updates', 'upper', 'to', 'rate', 'purpose', 'kind', 'readerId', 'since', 'id', 'asOf', 'offset', 'limit', 'seqno', 'name', 'keyCodec', 'valCodec', 'blob', 'consensus', 'path', 'topic', 'subId', 'keys', 'confirmName'];

type Shape = Record<string, { value?: unknown }>;
/** The field names (and literal discriminators) of each variant of a method's request schema. */
function variants(m: Method): Shape[] {
  const schema = requestSchemas[m] as unknown as { shape?: Shape; options?: { shape: Shape }[] };
  return schema.options ? schema.options.map((o) => o.shape) : [schema.shape ?? {}];
}

// Mostly valid-looking values so that requests get past the schema and into the handlers.
function plausible(name: string, shape: Shape): fc.Arbitrary<unknown> {
  if (shape[name]?.value !== undefined) return fc.constant(shape[name].value);
  switch (name) {
    case 'location':
      return fc.oneof({ weight: 6, arbitrary: fc.constant('default') }, { weight: 1, arbitrary: location });
    case 'shard':
      return fc.oneof({ weight: 5, arbitrary: fc.constant(target) }, { weight: 1, arbitrary: fc.uuid().map((u) => `s${u}`) });
    case 'purpose':
    case 'name':
      return fc.string({ minLength: 1, maxLength: 10 });
    case 'upper':
    case 'asOf':
      return fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 50 }));
    case 'to':
    case 'since':
    case 'offset':
      return fc.integer({ min: 0, max: 50 });
    case 'rate':
    case 'limit':
    case 'seqno':
      return fc.integer({ min: 1, max: 20 });
    case 'updates':
      return fc.oneof(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ key: text, val: text, time: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 60 })), diff: fc.integer({ min: -3, max: 3 }) }), { maxLength: 4 }),
      );
    default:
      return field(name);
  }
}

const wellFormed = fc.constantFrom(...METHODS).chain((method) =>
  fc.constantFrom(...variants(method)).chain((shape) =>
    fc.record(Object.fromEntries(Object.keys(shape).map((n) => [n, fc.oneof({ weight: 6, arbitrary: plausible(n, shape) }, { weight: 1, arbitrary: field(n) })]))).map((params) => ({ method: method as string, params: params as unknown })),
  ),
);

const request = fc.oneof(
  { weight: 6, arbitrary: wellFormed },
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: text }),
      params: fc.oneof(
        { weight: 8, arbitrary: fc.subarray(FIELDS, { minLength: 0, maxLength: 6 }).chain((names) => fc.record(Object.fromEntries(names.map((n) => [n, field(n)])))) },
        { weight: 1, arbitrary: anyValue },
      ),
    }),
  },
);

describe('router fuzz', () => {
  it('answers every request with a contract result, never Internal, and leaves the guard shard intact', async () => {
    let requests = 0;
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 12 }), async (reqs) => {
        // An earlier run may have closed the default location: each run starts with it open.
        await call('locations.open', { kind: 'default' });
        for (const { method, params } of reqs) {
          requests++;
          const r = await router.invoke(session, method, params);
          expect(typeof r.ok).toBe('boolean');
          const outcome = r.ok ? 'ok' : r.error.code;
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (r.ok) {
            expect(Object.keys(r).sort()).toEqual(['ok', 'value']);
          } else {
            expect(Object.keys(r.error).sort()).toEqual(['code', 'message']);
            expect(CODES, `${method} ${JSON.stringify(params)?.slice(0, 300)} → ${r.error.message}`).toContain(r.error.code);
            expect(typeof r.error.message).toBe('string');
            expect(r.error.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 500, seed: Number(process.env.FUZZ_SEED ?? 14), endOnFailure: true },
    );
    router.closeSession(session);
    // A request may have closed the default location; reopening it must show the same data.
    await call('locations.open', { kind: 'default' });
    expect(await guardData()).toEqual(guardBefore);
    expect(internal).toEqual([]);
    expect(requests).toBeGreaterThan(2500);
    // The requests reach the handlers, not only the schema check.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.NotFound).toBeGreaterThan(10);
    console.log(`router fuzz: ${requests} requests over ${METHODS.length} operations: ${JSON.stringify(outcomes)}`);
  });
});
