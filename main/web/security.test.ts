// The web host under attack from the same machine (issue 14): every finding of the audit is a
// case here, against the real server, router, host and SQLite.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { PersistClient } from '../../engine/index.js';
import { tempDir } from '../../engine/testing/util.js';
import { RuntimeHost } from '../host/runtime-host.js';
import { WebLocationPolicy } from '../location-policy.js';
import { Router, type Session } from '../router/router.js';
import type { WebLimits } from './limits.js';
import { startWebServer, type WebServer } from './server.js';

const SECRET = 'Sup3rSecretPw';
let tmp: { dir: string; cleanup: () => void };
let allowed: string;
let outside: string;
let host: RuntimeHost;
let server: WebServer;
let rendererDir: string;

function newHost(over: { allowCreate?: boolean; allowRemote?: boolean; maxOpenLocations?: number; recentsFile?: string | null } = {}): RuntimeHost {
  return new RuntimeHost({
    version: 'test',
    hostKind: 'web',
    defaultLocation: { kind: 'uri', blob: `mem://sec-${process.pid}`, consensus: `mem://sec-${process.pid}` },
    defaultChosenByUser: true,
    recentsFile: over.recentsFile === undefined ? join(tmp.dir, 'recent-locations.json') : over.recentsFile,
    demo: false,
    maxOpenLocations: over.maxOpenLocations,
    policy: new WebLocationPolicy({ allowDirs: [allowed], allowCreate: over.allowCreate ?? false, allowRemote: over.allowRemote ?? false }),
  });
}

async function start(limits: Partial<WebLimits> = {}, router?: Router): Promise<WebServer> {
  return startWebServer({ router: router ?? new Router(host, () => undefined), rendererDir, port: 0, limits, log: () => undefined });
}

beforeAll(async () => {
  tmp = tempDir();
  allowed = join(tmp.dir, 'allowed');
  outside = join(tmp.dir, 'outside');
  rendererDir = join(tmp.dir, 'renderer');
  for (const d of [allowed, outside, rendererDir]) mkdirSync(d);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(outside, 'secret.txt'), 'outside the renderer folder');
  symlinkSync(join(outside, 'secret.txt'), join(rendererDir, 'leak.txt'));
  symlinkSync(outside, join(rendererDir, 'assets'));
  mkdirSync(join(rendererDir, 'adir'));
  host = newHost();
  await host.start();
  server = await start();
});

afterAll(async () => {
  await server.close();
  await host.close();
  tmp.cleanup();
});

/** One raw HTTP exchange: what a client that ignores the rules can send. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('close', () => resolve(out));
    s.on('error', (e) => (out ? resolve(out) : reject(e)));
    s.setTimeout(5000, () => s.destroy());
  });
}

function send(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const hostHeader = (s: WebServer) => `127.0.0.1:${s.port}`;
const auth = (s: WebServer) => ({ host: hostHeader(s), authorization: `Bearer ${s.token}`, 'content-type': 'application/json' });

async function invoke(method: string, params: unknown, s: WebServer = server): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
  const r = await send(s.port, '/api/invoke', { method: 'POST', headers: auth(s), body: JSON.stringify({ method, params }) });
  return JSON.parse(r.body);
}

async function alive(s: WebServer = server): Promise<void> {
  const r = await invoke('app.info', {}, s);
  expect(r.ok).toBe(true);
}

describe('1. requests are parsed before anything else (pre-auth)', () => {
  it('an upgrade with an unparseable URL gets a 400 and the host keeps running', async () => {
    const out = await raw(server.port, `GET // HTTP/1.1\r\nHost: ${hostHeader(server)}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 400/);
    await alive();
  });

  it.each([
    ['GET // without a token', `GET // HTTP/1.1\r\nHost: HOST\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['an absolute-form target', `GET http://evil.example/ HTTP/1.1\r\nHost: HOST\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['a made-up method', `FROB / HTTP/1.1\r\nHost: HOST\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['a malformed header line', `GET / HTTP/1.1\r\nHost: HOST\r\nno colon here\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['a header with a control character', `GET / HTTP/1.1\r\nHost: HOST\r\nX-A: a\u0001b\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['a duplicate Host header', `GET / HTTP/1.1\r\nHost: HOST\r\nHost: evil.example\r\n\r\n`, /^HTTP\/1\.1 400[^]*exactly one Host/],
    ['a duplicate Host on an upgrade', `GET /api/ws HTTP/1.1\r\nHost: HOST\r\nHost: HOST\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, /^HTTP\/1\.1 400/],
    ['an undecodable path', `GET /%E0%A4%A HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n`, /^HTTP\/1\.1 401/],
    ['garbage', `\u0000\u0001\u0002 nonsense\r\n\r\n`, /^HTTP\/1\.1 400/],
  ])('%s → 4xx, nothing crashes', async (_what, text, expected) => {
    const out = await raw(server.port, text.replaceAll('HOST', hostHeader(server)));
    expect(out).toMatch(expected);
    expect(out).not.toMatch(/TypeError|Invalid URL|Internal/);
    await alive();
  });

  it('a body over the limit gets a real 413, declared or streamed', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    try {
      const declared = await raw(s.port, `POST /api/invoke HTTP/1.1\r\nHost: ${hostHeader(s)}\r\nAuthorization: Bearer ${s.token}\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"method":`);
      expect(declared).toMatch(/^HTTP\/1\.1 413/);
      expect(declared).toContain('larger than 1024 bytes');
      const streamed = await send(s.port, '/api/invoke', { method: 'POST', headers: { ...auth(s), 'transfer-encoding': 'chunked' }, body: Buffer.alloc(64 * 1024, 0x20) });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body).error.code).toBe('BadRequest');
      await alive(s);
    } finally {
      await s.close();
    }
  });

  it('deeply nested request JSON is a BadRequest, not a stack overflow', async () => {
    const deep = '{"method":"app.info","params":' + '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000) + '}';
    const r = await send(server.port, '/api/invoke', { method: 'POST', headers: auth(server), body: deep });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/nests deeper than 32/);
  });

  it('slow clients are timed out (headersTimeout) and answered 408', async () => {
    const s = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckMs: 100 });
    try {
      // Headers never finish: the host closes the socket instead of holding it forever.
      const out = await raw(s.port, `GET / HTTP/1.1\r\nHost: ${hostHeader(s)}\r\nX-Slow: `);
      expect(out).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await s.close();
    }
  });

  it('connections over the per-host cap get a clear 503, and the host recovers', async () => {
    const s = await start({ maxSockets: 3 });
    const held = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof connect>>((r) => { const c = connect(s.port, '127.0.0.1', () => r(c)); })));
    try {
      const out = await raw(s.port, `GET / HTTP/1.1\r\nHost: ${hostHeader(s)}\r\n\r\n`);
      expect(out).toMatch(/^HTTP\/1\.1 503[^]*too many connections to this host \(3\)/);
    } finally {
      for (const c of held) c.destroy();
    }
    await new Promise((r) => setTimeout(r, 50)); // let the server see the closes
    await alive(s);
    await s.close();
  });

  it('WebSocket messages: malformed → BadRequest with the id; a failing handler → Internal, socket and host live on', async () => {
    const failing = { invoke: () => Promise.reject(new Error('boom')), closeSession: () => undefined } as unknown as Router;
    for (const [router, expectCode] of [[undefined, 'BadRequest'], [failing, 'Internal']] as const) {
      const s = await start({}, router);
      const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/ws`, { headers: { authorization: `Bearer ${s.token}` } });
      await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
      const replies: any[] = [];
      ws.on('message', (d) => replies.push(JSON.parse(String(d))));
      ws.send('not json');
      ws.send(JSON.stringify({ id: 7, method: expectCode === 'Internal' ? 'app.info' : 'nope.nope', params: {} }));
      await expect.poll(() => replies.length).toBe(2);
      expect(replies[0].result.error.code).toBe('BadRequest');
      expect(replies[1].id).toBe(7);
      expect(replies[1].result.error.code).toBe(expectCode === 'Internal' ? 'Internal' : 'UnknownMethod');
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
      await s.close();
    }
  });

  it('WebSocket sessions over the cap are refused with a reason', async () => {
    const s = await start({ maxWebSockets: 1 });
    const open = (): Promise<WebSocket | string> =>
      new Promise((r) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/ws`, { headers: { authorization: `Bearer ${s.token}` } });
        ws.once('open', () => r(ws));
        ws.once('unexpected-response', (_q, res) => r(String(res.statusCode)));
      });
    const first = await open();
    expect(first).toBeInstanceOf(WebSocket);
    expect(await open()).toBe('503');
    (first as WebSocket).close();
    await s.close();
  });
});

describe('limits of one host: subscriptions and open locations', () => {
  it('subscriptions are capped per host with a clear error', async () => {
    const router = new Router(host, () => undefined, { subscriptionsPerHost: 3, subscriptionsPerSession: 2 });
    const sessions: Session[] = [0, 1, 2].map(() => ({ send: () => undefined }));
    const results = [];
    for (const s of sessions) for (let i = 0; i < 2; i++) results.push(await router.invoke(s, 'events.subscribe', { topic: 'shards', location: 'default' }));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.filter((r) => !r.ok) as { error: { message: string } }[];
    expect(refused[0].error.message).toMatch(/too many subscriptions|serves 3 subscriptions, its limit/);
    expect(router.subscriptionCount).toBe(3);
    for (const s of sessions) router.closeSession(s);
    expect(router.subscriptionCount).toBe(0);
  });

  it('open locations are capped per host', async () => {
    const h = newHost({ maxOpenLocations: 3, recentsFile: null });
    await h.start();
    try {
      const r = new Router(h, () => undefined);
      const opened = [];
      for (let i = 0; i < 4; i++) opened.push(await r.invoke({ send: () => undefined }, 'locations.open', { kind: 'uri', blob: `mem://cap${i}`, consensus: `mem://cap${i}` }));
      expect(opened.slice(0, 2).every((o) => o.ok)).toBe(true);
      expect(opened[3]).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      expect((opened[3] as { error: { message: string } }).error.message).toMatch(/limit \(3\); close one first/);
    } finally {
      await h.close();
    }
  });
});

describe('2. where locations may come from (web host defaults)', () => {
  let sandbox: string;
  beforeAll(async () => {
    sandbox = join(allowed, 'ok.sqlite');
    const c = await PersistClient.openSandbox(sandbox);
    await c.close();
  });
  afterEach(async () => {
    const list = await invoke('locations.list', {});
    for (const l of list.value.open) if (!l.isDefault) await invoke('locations.close', { location: l.id });
  });

  it('opens an existing sandbox under an allowed folder', async () => {
    const r = await invoke('locations.open', { kind: 'sandbox', path: sandbox });
    expect(r.ok).toBe(true);
  });

  it.each([
    ['a missing file: nothing is created', () => join(allowed, 'new', 'x.sqlite'), /creates no folders/],
    ['a missing file in an allowed folder without --allow-create', () => join(allowed, 'x.sqlite'), /creates none .*--allow-create/],
    ['a file outside the allowed folders', () => join(outside, 'secret.txt'), /only under/],
    ['~/.ssh/authorized_keys-like file', () => join(outside, '.ssh', 'authorized_keys'), /creates no folders|only under/],
    ['a relative path', () => 'allowed/ok.sqlite', /must be absolute/],
    ['a traversal out of the folder', () => join(allowed, '..', 'outside', 'secret.txt'), /only under/],
  ])('refuses %s', async (_what, path, why) => {
    const p = path();
    const r = await invoke('locations.open', { kind: 'sandbox', path: p });
    expect(r).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(r.error!.message).toMatch(why);
    expect(existsSync(join(allowed, 'new'))).toBe(false);
    expect(existsSync(join(allowed, 'x.sqlite'))).toBe(false);
    expect(existsSync(join(outside, '.ssh'))).toBe(false);
  });

  it('refuses a symlink in an allowed folder that leads outside it', async () => {
    const victim = join(outside, 'victim.sqlite');
    const c = await PersistClient.openSandbox(victim);
    await c.close();
    symlinkSync(victim, join(allowed, 'link.sqlite'));
    const r = await invoke('locations.open', { kind: 'sandbox', path: join(allowed, 'link.sqlite') });
    expect(r.error!.message).toMatch(/only under/);
  });

  it.each([
    ['an empty file', Buffer.alloc(0)],
    ['a 1-byte file', Buffer.from('x')],
    ['a text file', Buffer.from('ssh-ed25519 AAAA user@host\n')],
  ])('never converts %s into a sandbox; it stays byte for byte', async (_what, content) => {
    const f = join(allowed, `not-a-sandbox-${content.length}.sqlite`);
    writeFileSync(f, content);
    const r = await invoke('locations.open', { kind: 'sandbox', path: f });
    expect(r).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(r.error!.message).toMatch(/not a SQLite sandbox file/);
    expect(readFileSync(f).equals(content)).toBe(true);
  });

  it('with --allow-create, creates a new sandbox only in an existing allowed folder', async () => {
    const h = newHost({ allowCreate: true, recentsFile: null });
    await h.start();
    try {
      const r = new Router(h, () => undefined);
      const s = { send: () => undefined };
      // Allowed to create, the host still asks: a missing file opens only once the user confirms.
      const asked = await r.invoke(s, 'locations.open', { kind: 'sandbox', path: join(allowed, 'created.sqlite') });
      expect(asked).toMatchObject({ ok: false, error: { code: 'NotFound' } });
      expect(existsSync(join(allowed, 'created.sqlite'))).toBe(false);
      expect((await r.invoke(s, 'locations.open', { kind: 'sandbox', path: join(allowed, 'created.sqlite'), create: true })).ok).toBe(true);
      expect(existsSync(join(allowed, 'created.sqlite'))).toBe(true);
      const deeper = await r.invoke(s, 'locations.open', { kind: 'sandbox', path: join(allowed, 'sub', 'x.sqlite') });
      expect(deeper.ok).toBe(false);
      expect(existsSync(join(allowed, 'sub'))).toBe(false);
    } finally {
      await h.close();
    }
  });

  it.each([
    ['postgres on another machine', 'postgres://u:pw@10.1.2.3:5432/db', 'mem://x', /only to endpoints on this machine/],
    ['postgres on loopback without its own password (PGPASSWORD would be sent)', 'postgres://victim@127.0.0.1:5432/db', 'mem://x', /does not send its own credentials/],
    ['postgres with a file-reading parameter', 'postgres://u:pw@127.0.0.1/db?sslcert=/etc/shadow', 'mem://x', /sslcert is not accepted/],
    ['postgres redirected by host=', 'postgres://u:pw@127.0.0.1/db?host=/var/run/postgresql', 'mem://x', /host is not accepted/],
    ['s3 without endpoint (AWS with ambient credentials)', 'mem://x', 's3://bucket/p', /give an endpoint with its own credentials/],
    ['s3 endpoint without credentials (AWS_* would be sent)', 'mem://x', 's3://bucket/p?endpoint=http://127.0.0.1:9000', /does not send its own AWS credentials/],
    ['s3 endpoint on another machine', 'mem://x', 's3://bucket/p?endpoint=http://k:s@169.254.169.254', /only to endpoints on this machine/],
    ['a sqlite:// file URI (files only as sandboxes)', 'sqlite:///etc/x.sqlite', 'mem://x', /only as sandbox files/],
  ])('refuses %s', async (_what, consensus, blob, why) => {
    process.env.PGPASSWORD = 'ambient-secret';
    try {
      const r = await invoke('locations.open', { kind: 'uri', consensus, blob });
      expect(r).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
      expect(r.error!.message).toMatch(why);
    } finally {
      delete process.env.PGPASSWORD;
    }
  });
});

describe('4. credentials are redacted in errors, labels, logs and recents', () => {
  it('a failing open does not echo the password (userinfo and password= forms)', async () => {
    for (const consensus of [`postgres://u:${SECRET}@127.0.0.1:1/db`, `postgres://u@127.0.0.1:1/db?password=${SECRET}`]) {
      const r = await invoke('locations.open', { kind: 'uri', consensus, blob: `s3://bucket/p?endpoint=http://key:${SECRET}@127.0.0.1:1` });
      expect(r.ok).toBe(false);
      expect(JSON.stringify(r)).not.toContain(SECRET);
    }
  });

  it('an opened location keeps the password out of its label and the recents file', async () => {
    const pg = process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri');
    const u = new URL(pg);
    u.password = SECRET;
    const logs: string[] = [];
    const h = newHost({ recentsFile: join(tmp.dir, 'recents-redact.json') });
    await h.start();
    const r = new Router(h, (m, e) => logs.push(`${m} ${String(e)}`));
    try {
      const opened = await r.invoke({ send: () => undefined }, 'locations.open', { kind: 'uri', consensus: u.toString(), blob: `mem://redact-${process.pid}` });
      expect(opened.ok).toBe(true);
      const list = await r.invoke({ send: () => undefined }, 'locations.list', {});
      expect(JSON.stringify(list)).not.toContain(SECRET);
      expect(JSON.stringify(list)).toContain(':***@');
      expect(readFileSync(join(tmp.dir, 'recents-redact.json'), 'utf8')).not.toContain(SECRET);
      expect(logs.join('\n')).not.toContain(SECRET);
    } finally {
      await h.close();
    }
  });
});

describe('6. json codec input limits reach the user as BadRequest naming the update', () => {
  it.each([
    ['1e400', /update 1: key .*too large/],
    ['-0', /update 1: key .*-0/],
    ['12345678901234567890', /update 1: key .*cannot be stored exactly/],
    ['{"a":1,"a":2}', /update 1: key .*"a" appears twice/],
    ['{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), /update 1: key .*nests deeper/],
  ])('%s', async (key, why) => {
    const created = await invoke('shard.create', { location: 'default', name: `json-${Math.random()}`, keyCodec: 'json', valCodec: 'unit' });
    const shard = created.value.id;
    const r = await invoke('shard.write', { location: 'default', shard, updates: [{ key: key.slice(0, 65_536), val: '', time: null, diff: 1 }], upper: null });
    expect(r).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    expect(r.error!.message).toMatch(why);
    const after = await invoke('shard.inspect', { location: 'default', shard });
    expect(after.value.summary.updates).toBe(0);
  });
});

describe('7. static files: nothing outside the renderer folder', () => {
  const cookie = async () => {
    const r = await new Promise<string>((resolve) => {
      request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { host: hostHeader(server) } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']).split(';')[0]);
      }).end();
    });
    return { host: hostHeader(server), cookie: r };
  };

  it.each([
    ['/leak.txt', 'a symlink to a file outside'],
    ['/assets/secret.txt', 'a symlinked folder leading outside'],
    ['/%2e%2e/outside/secret.txt', 'an encoded traversal'],
    ['/..%2Foutside%2Fsecret.txt', 'an encoded slash traversal'],
    ['/adir', 'a directory'],
    ['/%E0%A4%A', 'an undecodable name'],
    ['/index.html%00.js', 'a NUL byte'],
  ])('%s (%s) → 404', async (path) => {
    const r = await send(server.port, path, { headers: await cookie() });
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('outside the renderer folder');
  });

  it('serves the renderer itself', async () => {
    const r = await send(server.port, '/', { headers: await cookie() });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>app</title>');
  });
});
