// The profile form's fields as typed, checked as the user types: each field's problem in words,
// and the contract input only when every field is valid (the submit stays disabled until then).
import type { ProfileInfo, ProfileInputInfo } from '../../../../preload/profiles-contract';

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface ProfileForm {
  name: string;
  kind: 'sandbox' | 's3pg';
  path: string;
  pgHost: string;
  pgPort: string;
  pgDatabase: string;
  pgUser: string;
  /** blank while editing: keep the saved one */
  pgPassword: string;
  pgSchema: string;
  pgSslmode: '' | SslMode;
  s3Endpoint: string;
  s3Region: string;
  s3Bucket: string;
  s3Prefix: string;
  s3Credentials: 'keys' | 'default-chain';
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
}

export type Field = keyof ProfileForm;

export const emptyForm = (): ProfileForm => ({
  name: '',
  kind: 's3pg',
  path: '',
  pgHost: 'localhost',
  pgPort: '5432',
  pgDatabase: '',
  pgUser: '',
  pgPassword: '',
  pgSchema: '',
  pgSslmode: '',
  s3Endpoint: '',
  s3Region: 'us-east-1',
  s3Bucket: '',
  s3Prefix: '',
  s3Credentials: 'keys',
  s3AccessKeyId: '',
  s3SecretAccessKey: '',
});

/** A saved profile in the form; secrets are never known here, so their fields start blank. */
export function formOf(p: ProfileInfo): ProfileForm {
  const f = emptyForm();
  if (p.kind === 'sandbox') return { ...f, name: p.name, kind: 'sandbox', path: p.path };
  return {
    ...f,
    name: p.name,
    kind: 's3pg',
    pgHost: p.postgres.host,
    pgPort: p.postgres.port === undefined ? '' : String(p.postgres.port),
    pgDatabase: p.postgres.database,
    pgUser: p.postgres.user,
    pgSchema: p.postgres.schema ?? '',
    pgSslmode: p.postgres.sslmode ?? '',
    s3Endpoint: p.s3.endpoint ?? '',
    s3Region: p.s3.region ?? '',
    s3Bucket: p.s3.bucket,
    s3Prefix: p.s3.prefix ?? '',
    s3Credentials: p.s3.credentials,
    s3AccessKeyId: p.s3.accessKeyId ?? '',
  };
}

export interface Checked {
  errors: Partial<Record<Field, string>>;
  input: ProfileInputInfo | null;
}

/** `saved`: the profile being edited (its saved secrets count as given when a field is blank). */
export function checkForm(f: ProfileForm, saved?: Pick<ProfileInfo, 'hasSecretKey'> | null): Checked {
  const e: Partial<Record<Field, string>> = {};
  const t = (s: string) => s.trim();
  if (!t(f.name)) e.name = 'a profile needs a name';
  else if (t(f.name).length > 200) e.name = 'the name must be at most 200 characters';
  if (f.kind === 'sandbox') {
    if (!t(f.path)) e.path = 'the sandbox file path is needed';
    else if (!/^(\/|[A-Za-z]:[\\/])/.test(t(f.path))) e.path = 'the path must be absolute, e.g. /home/me/shards.sqlite';
    if (Object.keys(e).length) return { errors: e, input: null };
    return { errors: e, input: { name: t(f.name), kind: 'sandbox', path: t(f.path) } };
  }
  if (!t(f.pgHost)) e.pgHost = 'PostgreSQL needs a host';
  else if (/[\s/?#@]/.test(t(f.pgHost))) e.pgHost = 'a host name or address only, without a scheme, user or path';
  const port = t(f.pgPort);
  if (port && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)) e.pgPort = 'the port must be a whole number from 1 to 65535';
  if (!t(f.pgDatabase)) e.pgDatabase = 'PostgreSQL needs a database';
  if (!t(f.pgUser)) e.pgUser = 'PostgreSQL needs a user';
  if (t(f.pgSchema) && !/^[a-z_][a-z0-9_]{0,62}$/.test(t(f.pgSchema))) e.pgSchema = 'the schema must be a lower-case SQL name (letters, digits, _), or blank for the default';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(t(f.s3Bucket))) e.s3Bucket = 'an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens';
  if (t(f.s3Endpoint) && !/^https?:\/\/[^\s@/]+(\/\S*)?$/.test(t(f.s3Endpoint))) e.s3Endpoint = 'an http:// or https:// URL without credentials, e.g. http://127.0.0.1:9000 (blank: AWS)';
  if (t(f.s3Region) && !/^[a-z0-9-]{1,64}$/.test(t(f.s3Region))) e.s3Region = 'a region such as us-east-1';
  if (f.s3Credentials === 'keys') {
    if (!t(f.s3AccessKeyId)) e.s3AccessKeyId = 'the access key id is needed (or use the AWS default chain)';
    if (!f.s3SecretAccessKey && !saved?.hasSecretKey) e.s3SecretAccessKey = 'the secret key is needed (or use the AWS default chain)';
  }
  if (Object.keys(e).length) return { errors: e, input: null };
  const opt = (s: string) => (t(s) ? t(s) : undefined);
  return {
    errors: e,
    input: {
      name: t(f.name),
      kind: 's3pg',
      postgres: {
        host: t(f.pgHost),
        ...(port ? { port: Number(port) } : {}),
        database: t(f.pgDatabase),
        user: t(f.pgUser),
        ...(f.pgPassword ? { password: f.pgPassword } : {}),
        ...(opt(f.pgSchema) ? { schema: opt(f.pgSchema) } : {}),
        ...(f.pgSslmode ? { sslmode: f.pgSslmode } : {}),
      },
      s3: {
        bucket: t(f.s3Bucket),
        ...(opt(f.s3Prefix) ? { prefix: opt(f.s3Prefix) } : {}),
        ...(opt(f.s3Endpoint) ? { endpoint: opt(f.s3Endpoint) } : {}),
        ...(opt(f.s3Region) ? { region: opt(f.s3Region) } : {}),
        credentials: f.s3Credentials,
        ...(f.s3Credentials === 'keys' ? { accessKeyId: t(f.s3AccessKeyId), ...(f.s3SecretAccessKey ? { secretAccessKey: f.s3SecretAccessKey } : {}) } : {}),
      },
    },
  };
}
