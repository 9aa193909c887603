// Saved connection profiles over the router, against the real PostgreSQL and s3rver the test setup
// starts (plus a second PostgreSQL that wants a password): secrets never come back, an edit with a
// blank secret keeps it, "Test connection" says what is wrong in words, a profile opens its
// location, and the last used one reopens at the next start (or the default, with the reason).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocationInfo, Result, ShardSummary } from '../../preload/contract.js';
import type { ConnectionTestInfo, ProfileInfo, ProfileInputInfo, ProfilesInfo } from '../../preload/profiles-contract.js';
import { tempDir } from '../../engine/testing/util.js';
import { startPostgres, type PgServer } from '../../test/pg-server.js';
import { WebLocationPolicy } from '../location-policy.js';
import { ProfileService } from '../host/profiles-service.js';
import { ProfileStore } from '../host/profiles.js';
import { RuntimeHost } from '../host/runtime-host.js';
import { describeSecrets, fileSecrets, safeStorageSecrets, type SafeStorageLike, type SecretStore } from '../host/secret-store.js';
import { Router, type Session } from './router.js';

const pgUri = new URL(process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri'));
const s3Uri = new URL(process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri'));

/**
 * Electron's safeStorage cannot run here (no Electron in the test process), so this stands in for
 * it with the same shape and contract: an encryption whose key is outside the file (AES-256-GCM
 * under a key held in memory). The desktop app passes the real `safeStorage` to the same code.
 */
function fakeSafeStorage(available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(b) {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

let secured: PgServer;
let dir: { dir: string; cleanup: () => void };
let n = 0;
const hosts: RuntimeHost[] = [];
beforeAll(async () => {
  secured = await startPostgres({ password: 'right-password' });
  dir = tempDir();
}, 60_000);
afterAll(() => {
  secured?.stop();
  dir?.cleanup();
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

interface Started {
  host: RuntimeHost;
  router: Router;
  invoke<T>(method: string, params?: unknown): Promise<T>;
  raw(method: string, params?: unknown): Promise<Result<unknown>>;
}

async function start(opts: { file?: string; secrets?: SecretStore | null; policy?: WebLocationPolicy; name?: string } = {}): Promise<Started> {
  const file = opts.file ?? join(dir.dir, `profiles-${n++}.json`);
  const secrets = opts.secrets === undefined ? safeStorageSecrets(fakeSafeStorage()) : opts.secrets;
  const profiles = new ProfileService(new ProfileStore(file, secrets), describeSecrets(secrets?.at ?? 'memory', file, 'no-os-encryption'), {
    policy: opts.policy,
    testDeadlineMs: 5000,
  });
  const name = opts.name ?? `profiles-ops-${process.pid}-${n++}`;
  const host = new RuntimeHost({
    version: 'test',
    hostKind: 'electron',
    defaultLocation: { kind: 'uri', blob: `mem://${name}`, consensus: `mem://${name}` },
    defaultChosenByUser: false,
    recentsFile: join(dir.dir, `recents-${n++}.json`),
    demo: false,
    engineConfig: { compactionEnabled: false },
    profiles,
    policy: opts.policy,
  });
  hosts.push(host);
  await host.start();
  const router = new Router(host, () => undefined);
  const session: Session = { send: () => undefined };
  const raw = (method: string, params?: unknown) => router.invoke(session, method, params);
  return {
    host,
    router,
    raw,
    invoke: async <T,>(method: string, params?: unknown) => {
      const r = await raw(method, params);
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.value as T;
    },
  };
}

function s3pg(o: { name?: string; password?: string; pg?: Partial<Extract<ProfileInputInfo, { kind: 's3pg' }>['postgres']>; s3?: Partial<Extract<ProfileInputInfo, { kind: 's3pg' }>['s3']> } = {}): ProfileInputInfo {
  return {
    name: o.name ?? 'staging',
    kind: 's3pg',
    postgres: { host: '127.0.0.1', port: Number(pgUri.port), database: 'postgres', user: 'postgres', schema: `prof_${process.pid}_${n++}`, ...(o.password !== undefined ? { password: o.password } : {}), ...o.pg },
    s3: {
      bucket: s3Uri.hostname,
      prefix: `profiles-ops-${process.pid}-${n++}`,
      endpoint: s3Uri.searchParams.get('endpoint')!,
      region: 'us-east-1',
      credentials: 'keys',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      ...o.s3,
    },
  };
}

describe('profiles over the router', () => {
  it('create, list without secrets, edit with a blank secret keeps it, duplicate, remove', async () => {
    const a = await start();
    const created = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg({ password: 'right-password', pg: { port: secured.port } }) });
    expect(created).toMatchObject({ name: 'staging', hasPassword: true, hasSecretKey: true, secretsPersisted: true });
    const list = await a.invoke<ProfilesInfo>('profiles.list');
    expect(JSON.stringify(list)).not.toContain('right-password');
    expect(JSON.stringify(list)).not.toMatch(/"secretAccessKey"|"password"/);
    expect(list.secrets.at).toBe('encrypted');

    // The form sends the secret fields blank: the saved ones stay, and still open the server.
    const edited = s3pg({ name: 'staging (edited)', password: '', pg: { port: secured.port }, s3: { secretAccessKey: '' } });
    const updated = await a.invoke<ProfileInfo>('profiles.update', { id: created.id, input: edited });
    expect(updated).toMatchObject({ name: 'staging (edited)', hasPassword: true, hasSecretKey: true });
    expect((await a.invoke<ConnectionTestInfo>('profiles.test', { id: created.id })).ok).toBe(true);
    // Testing the form's settings while editing uses the saved secrets for the blank fields.
    expect((await a.invoke<ConnectionTestInfo>('profiles.test', { id: created.id, input: edited })).ok).toBe(true);
    // Clearing on purpose removes it.
    const cleared = await a.invoke<ProfileInfo>('profiles.update', { id: created.id, input: edited, clearPassword: true });
    expect(cleared.hasPassword).toBe(false);

    const copy = await a.invoke<ProfileInfo>('profiles.duplicate', { id: created.id });
    expect(copy).toMatchObject({ name: 'staging (edited) (copy)', hasSecretKey: true });
    await a.invoke('profiles.remove', { id: copy.id });
    expect((await a.invoke<ProfilesInfo>('profiles.list')).profiles.map((p) => p.id)).toEqual([created.id]);
    const gone = await a.raw('profiles.remove', { id: copy.id });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NotFound' } });
  });

  it('bad settings get a specific error and leave the saved profiles as they were', async () => {
    const a = await start();
    const p = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg() });
    const before = await a.invoke<ProfilesInfo>('profiles.list');
    const bad = await a.raw('profiles.update', { id: p.id, input: s3pg({ s3: { bucket: 'Not_A_Bucket' } }) });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/s3\.bucket: an S3 bucket name/) } });
    const noKey = await a.raw('profiles.create', { input: s3pg({ s3: { accessKeyId: '' } }) });
    expect(noKey).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/access key id/) } });
    expect(await a.invoke<ProfilesInfo>('profiles.list')).toEqual(before);
  });

  it('open by profile shows its shards; a wrong password is refused, not answered with the open one', async () => {
    const a = await start();
    const input = s3pg({ password: 'right-password', pg: { port: secured.port } }) as Extract<ProfileInputInfo, { kind: 's3pg' }>;
    const good = await a.invoke<ProfileInfo>('profiles.create', { input });
    const loc = await a.invoke<LocationInfo>('profiles.open', { id: good.id });
    expect(loc).toMatchObject({ label: 'staging', kind: 'uri' });
    await a.invoke('shard.create', { location: loc.id, name: 'via-profile', keyCodec: 'string', valCodec: 'string' });
    expect((await a.invoke<ShardSummary[]>('shards.list', { location: loc.id })).map((s) => s.name)).toEqual(['via-profile']);
    expect((await a.invoke<LocationInfo>('profiles.open', { id: good.id })).id).toBe(loc.id);
    expect((await a.invoke<ProfilesInfo>('profiles.list')).lastUsed).toBe(good.id);

    // The same target with another password is another location, and it does not open.
    const wrong = await a.invoke<ProfileInfo>('profiles.create', { input: { ...input, postgres: { ...input.postgres, password: 'wrong' } } });
    const r = await a.raw('profiles.open', { id: wrong.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'Location', message: expect.stringMatching(/"staging" did not open: Wrong password — PostgreSQL refused the password/) } });
    expect(JSON.stringify(r)).not.toContain('wrong@');
  });

  it('"Test connection" says what is wrong, in words, for each side', async () => {
    const a = await start();
    const test = (input: ProfileInputInfo) => a.invoke<ConnectionTestInfo>('profiles.test', { input });
    const port = secured.port;

    expect(await test(s3pg())).toEqual({ ok: true, consensus: { ok: true }, blob: { ok: true } });
    const wrong = await test(s3pg({ password: 'nope', pg: { port } }));
    expect(wrong).toMatchObject({ ok: false, consensus: { problem: 'wrong-password', message: expect.stringMatching(/^Wrong password — PostgreSQL refused the password/) }, blob: { ok: true } });
    const none = await test(s3pg({ pg: { port } }));
    expect(none.consensus).toMatchObject({ problem: 'no-password', message: expect.stringMatching(/^No password — PostgreSQL asks for a password and the profile has none/) });
    expect(none.consensus.message).not.toMatch(/must be a string|reachable/);
    expect((await test(s3pg({ pg: { database: 'no_such_db' } }))).consensus).toMatchObject({ problem: 'missing-database', message: expect.stringMatching(/^Missing database — the PostgreSQL database does not exist/) });
    expect((await test(s3pg({ pg: { port: 1 } }))).consensus).toMatchObject({ problem: 'unreachable', message: expect.stringMatching(/^Unreachable host — the server did not answer/) });

    const bucket = await test(s3pg({ s3: { bucket: 'no-such-bucket-here' } }));
    expect(bucket).toMatchObject({ consensus: { ok: true }, blob: { problem: 'missing-bucket', message: expect.stringMatching(/^Missing bucket — the S3 bucket does not exist/) } });
    expect((await test(s3pg({ s3: { secretAccessKey: '' } }))).blob).toMatchObject({ problem: 'no-credentials', message: expect.stringMatching(/no secret key/) });
    // s3rver does not check SigV4 signatures (its authentication.js: "unimplemented"), so a wrong
    // secret passes there; what S3 answers to one is replayed by a one-line endpoint below.
    expect((await test(s3pg({ s3: { secretAccessKey: 'not-the-secret' } }))).blob.ok).toBe(true);
    const strict = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>');
    });
    await new Promise<void>((r) => strict.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(strict.address() as AddressInfo).port}`;
      expect((await test(s3pg({ s3: { endpoint, secretAccessKey: 'not-the-secret' } }))).blob).toMatchObject({ problem: 'wrong-secret-key', message: expect.stringMatching(/^Wrong S3 credentials — the S3 secret key does not match/) });
    } finally {
      strict.close();
    }
    expect((await test(s3pg({ s3: { accessKeyId: 'NOBODY' } }))).blob.problem).toBe('wrong-access-key');
    expect((await test(s3pg({ s3: { endpoint: 'http://127.0.0.1:1' } }))).blob).toMatchObject({ problem: 'unreachable' });
  }, 60_000);

  it('"Test connection" against endpoints that accept connections and never answer: unreachable, within the deadline', async () => {
    const a = await start();
    const sockets = new Set<import('node:net').Socket>();
    const silent = createNetServer((sock) => void sockets.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const r = await a.invoke<ConnectionTestInfo>('profiles.test', { input: s3pg({ pg: { port }, s3: { endpoint: `http://127.0.0.1:${port}` } }) });
      expect(r.consensus).toMatchObject({ ok: false, problem: 'unreachable', message: expect.stringMatching(/^Unreachable host/) });
      expect(r.blob).toMatchObject({ ok: false, problem: 'unreachable' });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);

  it('"Test connection" with the AWS default chain and nothing in it: no credentials', async () => {
    const a = await start();
    const saved = { ...process.env };
    // The test setup puts s3rver's keys in the environment for the default chain; without them
    // (and without instance metadata, which would wait for a timeout) there is nothing to find.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir.dir, 'no-credentials');
    process.env.AWS_CONFIG_FILE = join(dir.dir, 'no-config');
    try {
      const r = await a.invoke<ConnectionTestInfo>('profiles.test', { input: s3pg({ s3: { credentials: 'default-chain', accessKeyId: undefined, secretAccessKey: undefined } }) });
      expect(r.blob).toMatchObject({ ok: false, problem: 'no-credentials', message: expect.stringMatching(/No credentials — no S3 credentials were found/) });
    } finally {
      process.env = saved;
    }
  }, 30_000);

  it('the last used profile reopens at the next start; one that fails falls back to the default, saying why', async () => {
    const file = join(dir.dir, 'restart.json');
    const box = safeStorageSecrets(fakeSafeStorage())!;
    const a = await start({ file, secrets: box });
    const p = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg({ name: 'reopens', password: 'right-password', pg: { port: secured.port } }) });
    const loc = await a.invoke<LocationInfo>('profiles.open', { id: p.id });
    await a.invoke('shard.create', { location: loc.id, name: 'kept', keyCodec: 'string', valCodec: 'string' });
    await a.host.close();

    const b = await start({ file, secrets: box });
    const opened = (await b.invoke<{ open: LocationInfo[] }>('locations.list')).open;
    expect(opened.map((l) => l.label)).toEqual(['reopens']);
    expect((await b.invoke<ShardSummary[]>('shards.list', { location: opened[0].id })).map((s) => s.name)).toEqual(['kept']);
    expect((await b.invoke<ProfilesInfo>('profiles.list')).startup).toEqual({ profile: 'reopens', opened: opened[0].id, message: null });
    await b.host.close();

    // Another keychain cannot open the sealed password: the profile fails, the default opens.
    const c = await start({ file, secrets: safeStorageSecrets(fakeSafeStorage())! });
    const fallback = (await c.invoke<{ open: LocationInfo[] }>('locations.list')).open;
    expect(fallback.map((l) => l.isDefault)).toEqual([true]);
    const startup = (await c.invoke<ProfilesInfo>('profiles.list')).startup!;
    expect(startup.opened).toBeNull();
    expect(startup.message).toMatch(/"reopens" did not reopen, so the default sandbox is open instead\..*PostgreSQL asks for a password/);
  }, 60_000);
});

describe('secrets at rest', () => {
  it('the desktop file never holds a secret in plain text', async () => {
    const file = join(dir.dir, 'desktop.json');
    const a = await start({ file });
    await a.invoke('profiles.create', { input: s3pg({ password: 'pg-secret-4711', s3: { secretAccessKey: 's3-secret-0815' } }) });
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('pg-secret-4711');
    expect(onDisk).not.toContain('s3-secret-0815');
    expect(onDisk).toMatch(/"password": "enc:/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('without OS encryption secrets are not written at all, and the UI is told so', async () => {
    const file = join(dir.dir, 'no-encryption.json');
    const secrets = safeStorageSecrets(fakeSafeStorage(false));
    expect(secrets).toBeNull();
    const a = await start({ file, secrets });
    const p = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg({ password: 'never-on-disk' }) });
    expect(p).toMatchObject({ hasPassword: true, secretsPersisted: false });
    expect(readFileSync(file, 'utf8')).not.toContain('never-on-disk');
    expect((await a.invoke<ProfilesInfo>('profiles.list')).secrets).toMatchObject({ at: 'memory', words: expect.stringMatching(/safeStorage is unavailable\), so passwords and secret keys are not saved to disk/) });
  });

  it('the web host with --profiles FILE keeps them in that file, mode 0600', async () => {
    const file = join(dir.dir, 'web.json');
    const a = await start({ file, secrets: fileSecrets });
    const p = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg({ password: 'right-password', pg: { port: secured.port } }) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await a.host.close();
    const b = await start({ file, secrets: fileSecrets });
    expect((await b.invoke<ProfilesInfo>('profiles.list')).profiles[0]).toMatchObject({ id: p.id, hasPassword: true, secretsPersisted: true });
    expect((await b.invoke<ConnectionTestInfo>('profiles.test', { id: p.id })).ok).toBe(true);
  });
});

describe('the web host rules for profiles', () => {
  it('endpoints on other machines need --allow-remote; sandbox files stay under the allowed folders', async () => {
    const policy = new WebLocationPolicy({ allowDirs: [dir.dir], allowCreate: false, allowRemote: false });
    const a = await start({ policy, secrets: null });
    const remote = await a.raw('profiles.create', { input: s3pg({ pg: { host: 'db.example.com' } }) });
    expect(remote).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/only to endpoints on this machine.*--allow-remote/) } });
    const outside = await a.raw('profiles.create', { input: { name: 'etc', kind: 'sandbox', path: '/etc/passwd' } });
    expect(outside).toMatchObject({ ok: false, error: { code: 'BadRequest', message: expect.stringMatching(/only under/) } });
    // A loopback profile with its own credentials is fine, and opens.
    const ok = await a.invoke<ProfileInfo>('profiles.create', { input: s3pg() });
    expect((await a.invoke<LocationInfo>('profiles.open', { id: ok.id })).label).toBe('staging');
  });
});
