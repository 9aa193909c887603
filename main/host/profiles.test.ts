import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPostgres, type PgServer } from '../../test/pg-server.js';
import { ProfileError, ProfileStore, safeStorageBox, testConnection, type PostgresSettings, type ProfileInput, type S3Settings, type SecretBox } from './profiles.js';

const pgUri = new URL(process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri'));
const s3Uri = new URL(process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri'));

/**
 * Electron's safeStorage is not available in tests; this stands in for it with the same contract
 * (an opaque encryption whose key lives outside the file): AES-256-GCM under a key held in memory.
 */
function keychain(): SecretBox {
  const key = randomBytes(32);
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    open(sealed) {
      const b = Buffer.from(sealed, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

function s3pg(overrides: { password?: string; pg?: Partial<PostgresSettings>; s3?: Partial<S3Settings> } = {}): ProfileInput {
  return {
    name: 'prod',
    kind: 's3pg',
    postgres: { host: pgUri.hostname, port: Number(pgUri.port), database: 'postgres', user: 'postgres', password: overrides.password, schema: 'profiles_test', ...overrides.pg },
    s3: {
      bucket: s3Uri.hostname,
      prefix: 'profiles',
      endpoint: s3Uri.searchParams.get('endpoint')!,
      region: 'us-east-1',
      credentials: 'keys',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      ...overrides.s3,
    },
  };
}

describe('ProfileStore', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'shardscope-profiles-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps secrets sealed on disk and gives them back only through target()', () => {
    const file = join(dir, 'sealed.json');
    const box = keychain();
    const store = new ProfileStore(file, box);
    const p = store.create(s3pg({ password: 'hunter2-pg' }));
    expect(p).toMatchObject({ hasPassword: true, hasSecretKey: true, secretsPersisted: true });
    expect(JSON.stringify(store.list())).not.toContain('hunter2-pg');
    const listed = store.list()[0];
    expect(listed.kind === 's3pg' && [listed.postgres.password, listed.s3.secretAccessKey]).toEqual([undefined, undefined]);
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('hunter2-pg');
    expect(onDisk).not.toMatch(/secretAccessKey":\s*"S3RVER/);
    // A restart with the same keychain reopens the profile, secrets included.
    const again = new ProfileStore(file, box);
    const t = again.target(p.id);
    expect(t.kind === 'uri' && t.consensus).toContain(':hunter2-pg@');
    expect(t.kind === 'uri' && t.blob).toContain('S3RVER:S3RVER@');
  });

  it('without a keychain, secrets stay in memory only, and the profile says so', () => {
    const file = join(dir, 'plain.json');
    const store = new ProfileStore(file, null);
    const p = store.create(s3pg({ password: 'only-in-memory' }));
    expect(p).toMatchObject({ hasPassword: true, secretsPersisted: false });
    expect(readFileSync(file, 'utf8')).not.toContain('only-in-memory');
    const restarted = new ProfileStore(file, null).get(p.id);
    expect(restarted).toMatchObject({ name: 'prod', hasPassword: false, hasSecretKey: false });
    // The web host's default: no file at all.
    const mem = new ProfileStore(null, keychain());
    expect(mem.create(s3pg({ password: 'x' })).secretsPersisted).toBe(false);
  });

  it('create, edit (secrets kept unless replaced), duplicate, remove, and the last used one', () => {
    const store = new ProfileStore(join(dir, 'crud.json'), keychain());
    const a = store.create(s3pg({ password: 'one' }));
    const edited = store.update(a.id, { ...s3pg(), name: 'renamed' });
    expect(edited).toMatchObject({ name: 'renamed', hasPassword: true });
    const t = store.target(a.id);
    expect(t.kind === 'uri' && t.consensus).toContain(':one@');
    store.update(a.id, s3pg({ password: '' }));
    expect(store.get(a.id).hasPassword).toBe(true);
    store.update(a.id, s3pg(), { password: true });
    expect(store.get(a.id).hasPassword).toBe(false);
    const copy = store.duplicate(a.id);
    expect(copy.name).toBe('prod (copy)');
    expect(copy.id).not.toBe(a.id);
    store.markUsed(copy.id);
    expect(new ProfileStore(join(dir, 'crud.json'), null).lastUsedId()).toBe(copy.id);
    store.remove(copy.id);
    expect(store.lastUsedId()).toBeNull();
    expect(store.list().map((p) => p.id)).toEqual([a.id]);
    expect(() => store.create({ name: ' ', kind: 'sandbox', path: '/x' })).toThrow(ProfileError);
    expect(() => store.get('nope')).toThrow(/no profile/);
  });

  it('safeStorageBox refuses when the OS offers no encryption', () => {
    expect(safeStorageBox({ isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' })).toBeNull();
  });
});

describe('testConnection says what is wrong, in words', () => {
  let secured: PgServer;
  beforeAll(async () => void (secured = await startPostgres({ password: 'right-password' })), 60_000);
  afterAll(() => secured?.stop());

  it('a working profile passes on both sides', async () => {
    expect(await testConnection(s3pg())).toEqual({ ok: true, consensus: { ok: true }, blob: { ok: true } });
  });

  it('wrong password, no password, missing database, unreachable host', async () => {
    const port = secured.port;
    const wrong = await testConnection(s3pg({ password: 'wrong', pg: { port } }));
    expect(wrong.consensus).toMatchObject({ ok: false, problem: 'wrong-password', message: expect.stringMatching(/refused the password/) });
    expect(wrong.blob.ok).toBe(true);
    expect((await testConnection(s3pg({ pg: { port } }))).consensus.problem).toBe('no-password');
    expect((await testConnection(s3pg({ password: 'right-password', pg: { port } }))).ok).toBe(true);
    expect((await testConnection(s3pg({ pg: { database: 'no_such_db' } }))).consensus.problem).toBe('missing-database');
    expect((await testConnection(s3pg({ pg: { port: 1 } }))).consensus).toMatchObject({ problem: 'unreachable', message: expect.stringMatching(/did not answer/) });
  }, 30_000);

  it('missing bucket and wrong access key are told apart', async () => {
    const missing = await testConnection(s3pg({ s3: { bucket: 'no-such-bucket-xyz' } }));
    expect(missing.blob).toMatchObject({ ok: false, problem: 'missing-bucket' });
    expect(missing.consensus.ok).toBe(true);
    expect((await testConnection(s3pg({ s3: { accessKeyId: 'NOBODY' } }))).blob.problem).toBe('wrong-access-key');
  });
});
