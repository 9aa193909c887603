// The profile form's checks as the user types: each field's problem in words, no input to send
// until every field is valid, and blank secrets while editing meaning "keep the saved one".
import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, formOf, type ProfileForm } from './profile-form';

const filled = (o: Partial<ProfileForm> = {}): ProfileForm => ({
  ...emptyForm(),
  name: 'staging',
  pgHost: 'db.internal',
  pgPort: '5433',
  pgDatabase: 'persist',
  pgUser: 'mz',
  pgPassword: 'pw',
  s3Bucket: 'my-bucket',
  s3AccessKeyId: 'AK',
  s3SecretAccessKey: 'SK',
  ...o,
});

describe('checkForm', () => {
  it('a new, empty form names what is missing and gives no input', () => {
    const c = checkForm(emptyForm());
    expect(c.input).toBeNull();
    expect(c.errors).toMatchObject({
      name: 'a profile needs a name',
      pgDatabase: 'PostgreSQL needs a database',
      pgUser: 'PostgreSQL needs a user',
      s3Bucket: expect.stringMatching(/S3 bucket name/),
      s3AccessKeyId: expect.stringMatching(/access key id is needed/),
      s3SecretAccessKey: expect.stringMatching(/secret key is needed/),
    });
  });

  it('bad values are told in words', () => {
    const c = checkForm(filled({ pgPort: '70000', pgHost: 'postgres://x', pgSchema: 'Bad-Name', s3Endpoint: 'http://k:s@host', s3Bucket: 'UP' }));
    expect(c.input).toBeNull();
    expect(c.errors.pgPort).toBe('the port must be a whole number from 1 to 65535');
    expect(c.errors.pgHost).toMatch(/without a scheme/);
    expect(c.errors.pgSchema).toMatch(/lower-case SQL name/);
    expect(c.errors.s3Endpoint).toMatch(/without credentials/);
    expect(c.errors.s3Bucket).toMatch(/3 to 63 lower-case/);
  });

  it('a valid form gives exactly what was typed (trimmed), optional fields left out', () => {
    expect(checkForm(filled({ name: ' staging ' })).input).toEqual({
      name: 'staging',
      kind: 's3pg',
      postgres: { host: 'db.internal', port: 5433, database: 'persist', user: 'mz', password: 'pw' },
      s3: { bucket: 'my-bucket', region: 'us-east-1', credentials: 'keys', accessKeyId: 'AK', secretAccessKey: 'SK' },
    });
    const chain = checkForm(filled({ s3Credentials: 'default-chain', s3AccessKeyId: '', s3SecretAccessKey: '' })).input;
    expect(chain?.kind === 's3pg' && chain.s3).toEqual({ bucket: 'my-bucket', region: 'us-east-1', credentials: 'default-chain' });
    expect(checkForm({ ...emptyForm(), name: 'local', kind: 'sandbox', path: 'rel.sqlite' }).errors.path).toMatch(/absolute/);
    expect(checkForm({ ...emptyForm(), name: 'local', kind: 'sandbox', path: '/data/a.sqlite' }).input).toEqual({ name: 'local', kind: 'sandbox', path: '/data/a.sqlite' });
  });

  it('editing: the saved secret key counts when its field is left blank, and blanks are not sent', () => {
    const saved = {
      id: 'p1', name: 'staging', kind: 's3pg' as const, hasPassword: true, hasSecretKey: true, secretsPersisted: true,
      postgres: { host: 'db.internal', database: 'persist', user: 'mz' },
      s3: { bucket: 'my-bucket', credentials: 'keys' as const, accessKeyId: 'AK' },
    };
    const f = formOf(saved);
    expect([f.pgPassword, f.s3SecretAccessKey, f.pgPort]).toEqual(['', '', '']);
    const c = checkForm(f, saved);
    expect(c.errors).toEqual({});
    expect(c.input?.kind === 's3pg' && [c.input.postgres.password, c.input.s3.secretAccessKey]).toEqual([undefined, undefined]);
    expect(checkForm(f, { hasSecretKey: false }).errors.s3SecretAccessKey).toMatch(/secret key is needed/);
  });
});
