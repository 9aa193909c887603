// Every credential form this project's locations can carry is masked wherever text is shown.
import { describe, expect, it } from 'vitest';
import { redactError, redactSecrets, redactUri } from './redact.js';

const SECRET = 'hunter2Secret';

describe('redactSecrets', () => {
  it.each([
    ['URI userinfo', `postgres://alice:${SECRET}@db.example:5432/persist`, 'postgres://alice:***@db.example:5432/persist'],
    ['userinfo with an encoded @', `postgresql://alice:p%40ss${SECRET}@h/db`, 'postgresql://alice:***@h/db'],
    ['a password with raw / ? # (a decoded parameter)', `got http://AKEY:s/c?r#${SECRET}@127.0.0.1:9000`, 'got http://AKEY:***@127.0.0.1:9000'],
    ['password= query parameter', `postgres://alice@h/db?password=${SECRET}&sslmode=require`, 'postgres://alice@h/db?password=***&sslmode=require'],
    ['sslpassword= query parameter', `postgres://h/db?sslmode=verify-full&sslpassword=${SECRET}`, 'postgres://h/db?sslmode=verify-full&sslpassword=***'],
    ['S3 endpoint userinfo', `s3://bucket/p?endpoint=http://AKEY:${SECRET}@127.0.0.1:9000`, 's3://bucket/p?endpoint=http://AKEY:***@127.0.0.1:9000'],
    ['S3 endpoint userinfo, %-encoded', `s3://bucket/p?endpoint=http%3A%2F%2FAKEY%3A${SECRET}%40127.0.0.1%3A9000`, 's3://bucket/p?endpoint=http%3A%2F%2FAKEY%3A***%40127.0.0.1%3A9000'],
    ['AWS secret in env form', `AWS_SECRET_ACCESS_KEY=${SECRET} AWS_SESSION_TOKEN=${SECRET}x`, 'AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=***'],
    ['AWS secret in object form', `{"secretAccessKey": "${SECRET}"}`, '{"secretAccessKey": "***"}'],
    ['AWS access key id', 'signed by AKIAIOSFODNN7EXAMPLE', 'signed by AKIA***'],
  ])('%s', (_what, input, expected) => {
    const out = redactSecrets(input);
    expect(out).toBe(expected);
    expect(out).not.toContain(SECRET);
  });

  it('masks credentials inside a longer error message, keeping what helps (user, host, path)', () => {
    const msg = `cannot open location postgres://bob:${SECRET}@10.0.0.5:5432/x + s3://b/p?endpoint=https://k:${SECRET}@minio:9000: ECONNREFUSED`;
    const out = redactSecrets(msg);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('postgres://bob:***@10.0.0.5:5432/x');
    expect(out).toContain('https://k:***@minio:9000');
    expect(out).toContain('ECONNREFUSED');
  });

  it('leaves text without credentials unchanged', () => {
    for (const s of ['sqlite:///home/me/a.sqlite', 'postgres://alice@h:5432/db?sslmode=require', 's3://bucket/prefix?endpoint=http://127.0.0.1:9000', 'file:///tmp/x', 'plain words']) {
      expect(redactSecrets(s)).toBe(s);
    }
  });

  it('redactUri and redactError use the same rules', () => {
    expect(redactUri(`postgres://a:${SECRET}@h/d`)).toBe('postgres://a:***@h/d');
    expect(redactError(new Error(`bad ?password=${SECRET}`))).toBe('bad ?password=***');
    expect(redactError(`x password=${SECRET}`)).toBe('x password=***');
  });
});
