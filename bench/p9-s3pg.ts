// P9: the production location, s3 (s3rver) + PostgreSQL, on this machine with the tests' server
// settings (fsync off), beside the sandbox in the same run:
//  - small append: one-update compareAndAppend p50, against one raw compare-and-set INSERT on the
//    same PostgreSQL (the floor a consensus round trip sets);
//  - write -> listen event across two processes, against the sandbox's cross-process figure;
//  - bulk append of 1e6 updates (builder + compareAndAppendBatch), against the sandbox's.
// Servers come from SHARDSCOPE_TEST_PG_URI / SHARDSCOPE_TEST_S3_URI when set, else are started
// (as the test setup does) and stopped at the end.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { PersistClient, codecs, newShardId, type Listen } from '../engine/index.js';
import { startPostgres } from '../test/pg-server.js';
import { startS3rver } from '../test/s3-server.js';
import { percentile, perSecond, randomHexStrings, result, runChild, timePair, type Benchmark } from './harness.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };
// The SDK's notice about future Node versions is noise in the table.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const wallNow = (): number => performance.timeOrigin + performance.now();
const XPROC_GAP_MS = 15;
type Location = { blob: string; consensus: string };

async function servers(): Promise<{ pgUri: string; s3Uri: string; stop: () => void }> {
  const stops: (() => void)[] = [];
  let pgUri = process.env.SHARDSCOPE_TEST_PG_URI ?? '';
  if (!pgUri) {
    const s = await startPostgres();
    stops.push(s.stop);
    pgUri = s.uri;
  }
  let s3Uri = process.env.SHARDSCOPE_TEST_S3_URI ?? '';
  if (!s3Uri) {
    const s = await startS3rver();
    stops.push(s.stop);
    // s3rver's fixed keys, given explicitly rather than through the environment.
    s3Uri = s.uri.replace('s3://', 's3://S3RVER:S3RVER@');
  }
  return { pgUri, s3Uri, stop: () => stops.forEach((f) => f()) };
}

function freshLocation(pgUri: string, s3Uri: string): Location {
  const id = randomUUID().replace(/-/g, '');
  const s3 = new URL(s3Uri);
  s3.pathname = `${s3.pathname}/${id}`;
  const p = new URL(pgUri);
  p.searchParams.set('schema', `bench_${id.slice(0, 16)}`);
  return { blob: s3.toString(), consensus: p.toString() };
}

async function smallAppends(loc: Location, warmup: number, count: number): Promise<number[]> {
  const client = await PersistClient.open(loc);
  try {
    const w = await client.openWriter(newShardId(), strings);
    const lat: number[] = [];
    for (let t = 0; t < warmup + count; t++) {
      const s = performance.now();
      const res = await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
      if (t >= warmup) lat.push(performance.now() - s);
    }
    return lat;
  } finally {
    await client.close();
  }
}

/** One INSERT ... WHERE head = expected per call, ~200 bytes, on a plain table: a CAS round trip. */
async function rawCas(pgUri: string, warmup: number, count: number): Promise<number[]> {
  const c = new pg.Client({ connectionString: pgUri });
  await c.connect();
  const table = `p9_raw_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  try {
    await c.query(`CREATE TABLE ${table} (shard TEXT, seqno BIGINT, data BYTEA, PRIMARY KEY (shard, seqno))`);
    const data = Buffer.alloc(200, 7);
    const lat: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const s = performance.now();
      await c.query({
        name: 'p9raw',
        text: `INSERT INTO ${table} SELECT 's', $1::bigint, $2 WHERE (SELECT max(seqno) FROM ${table} WHERE shard = 's') IS NOT DISTINCT FROM $3::bigint`,
        values: [i + 1, data, i === 0 ? null : i],
      });
      if (i >= warmup) lat.push(performance.now() - s);
    }
    await c.query(`DROP TABLE ${table}`);
    return lat;
  } finally {
    await c.end();
  }
}

async function crossProcessListen(open: () => Promise<PersistClient>, where: string, warmup: number, count: number): Promise<number[]> {
  const client = await open();
  const shard = newShardId();
  try {
    const [w, r] = await client.open(shard, strings);
    await w.compareAndAppend([], [0], [1]);
    await w.expire();
    const listen: Listen<string, string> = await r.listen([0]);
    const lat: number[] = [];
    let done = false;
    const pumping = (async () => {
      while (!done && lat.length < warmup + count) {
        const events = await listen.fetchNext();
        const now = wallNow();
        for (const e of events) if (e.kind === 'updates') for (const u of e.updates) lat.push(now - Number(u[1]));
      }
    })();
    await runChild('child/p9-writer.ts', [where, shard, String(warmup + count), String(XPROC_GAP_MS)], { timeoutMs: 120_000 });
    await Promise.race([pumping, new Promise((res) => setTimeout(res, 10_000))]);
    done = true;
    if (lat.length < warmup + count) throw new Error(`only ${lat.length} of ${warmup + count} listen events arrived`);
    return lat.slice(warmup);
  } finally {
    await client.close();
  }
}

const p = (xs: number[], q: number): string => percentile(xs, q).toFixed(3);

const bench: Benchmark = {
  id: 'P9',
  title: 's3 + postgres location: small append, cross-process listen, bulk append (vs sandbox)',
  targets: {
    'P9-s3pg-small-append-p50': { on: 'value', op: '<=', threshold: 2 },
    'P9-s3pg-listen-xproc-p50': { on: 'value', op: '<=', threshold: 3 },
    'P9-s3pg-bulk-append': { on: 'ratio', op: '>=', threshold: 0.8 },
  },
  async run(ctx) {
    const { pgUri, s3Uri, stop } = await servers();
    try {
      const dir = ctx.sandboxDir();
      const warm = ctx.n(200, 10);
      const count = ctx.n(2000, 30);
      const raw = await rawCas(pgUri, warm, count);
      const small = await smallAppends(freshLocation(pgUri, s3Uri), warm, count);
      ctx.log(`small append p50/p90/p99 ${p(small, 50)}/${p(small, 90)}/${p(small, 99)} ms; raw PostgreSQL CAS ${p(raw, 50)}/${p(raw, 90)}/${p(raw, 99)} ms`);

      const xWarm = ctx.n(20, 3);
      const xCount = ctx.n(200, 10);
      const sandboxPath = join(dir, 'xproc.sqlite');
      const sandboxX = await crossProcessListen(() => PersistClient.openSandbox(sandboxPath), `sandbox:${sandboxPath}`, xWarm, xCount);
      const loc = freshLocation(pgUri, s3Uri);
      const s3pgX = await crossProcessListen(() => PersistClient.open(loc), JSON.stringify(loc), xWarm, xCount);
      ctx.log(`cross-process listen p50/p90/p99 ${p(s3pgX, 50)}/${p(s3pgX, 90)}/${p(s3pgX, 99)} ms; sandbox ${p(sandboxX, 50)}/${p(sandboxX, 90)}/${p(sandboxX, 99)} ms`);

      const n = ctx.n(1_000_000, 1000);
      const keys = randomHexStrings(n, 16, 91);
      const vals = randomHexStrings(n, 16, 92);
      const bulk = async ({ w }: { w: Awaited<ReturnType<PersistClient['openWriter']>> }) => {
        const b = w.builder([0]);
        for (let i = 0; i < n; i++) await b.add(keys[i], vals[i], 0, 1);
        const batch = await b.finish([1]);
        const res = await w.compareAndAppendBatch([batch], [0], [1]);
        if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
      };
      const [sandbox, s3pg] = await timePair(
        { warmup: 1, runs: ctx.runs },
        {
          setup: async (i) => {
            const client = await PersistClient.openSandbox(join(dir, `bulk-${i}.sqlite`));
            return { client, w: await client.openWriter(newShardId(), strings) };
          },
          fn: bulk,
          teardown: ({ client }) => client.close(),
        },
        {
          setup: async () => {
            const client = await PersistClient.open(freshLocation(pgUri, s3Uri));
            return { client, w: await client.openWriter(newShardId(), strings) };
          },
          fn: bulk,
          teardown: ({ client }) => client.close(),
        },
      );
      ctx.log(`bulk sandbox ${sandbox.samples.map((s) => s.toFixed(0)).join('/')} ms, s3+pg ${s3pg.samples.map((s) => s.toFixed(0)).join('/')} ms`);
      return [
        result('P9-s3pg-small-append-p50', percentile(small, 50), 'ms', 'raw PostgreSQL CAS INSERT p50', percentile(raw, 50)),
        result('P9-s3pg-listen-xproc-p50', percentile(s3pgX, 50), 'ms', 'sandbox write -> listen p50 (2 processes)', percentile(sandboxX, 50)),
        result('P9-s3pg-bulk-append', perSecond(n, s3pg.ms), 'updates/s', 'sandbox bulk append (same run)', perSecond(n, sandbox.ms)),
      ];
    } finally {
      stop();
    }
  },
};
export default bench;
