// Saved connection profiles: a sandbox file, or S3 + PostgreSQL with every option the engine
// knows. Secrets (the PostgreSQL password, the S3 secret key) are sealed by a SecretBox: in the
// desktop app Electron's safeStorage (OS keychain), so they are never written in plain text;
// where no such box exists (the web host) they are kept in memory only and the profile says so.
// Plain data in and out: nothing here is an engine object, and listings never carry a secret.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openLocation } from '../../engine/location/uri.js';
import { redactSecrets } from '../../engine/location/redact.js';
import { safeStorageSecrets, type SecretStore } from './secret-store.js';

export interface PostgresSettings {
  host: string;
  port?: number;
  database: string;
  user: string;
  /** Write-only: accepted on create/update, never returned. */
  password?: string;
  schema?: string;
  sslmode?: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
}

export interface S3Settings {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  /** `keys`: the access key and secret below; `default-chain`: the AWS default credential chain. */
  credentials: 'keys' | 'default-chain';
  accessKeyId?: string;
  /** Write-only, as the password. */
  secretAccessKey?: string;
}

export type ProfileInput =
  | { name: string; kind: 'sandbox'; path: string }
  | { name: string; kind: 's3pg'; postgres: PostgresSettings; s3: S3Settings };

/** What a listing shows: the settings without secrets, and whether each secret is present. */
export type ProfileView = ProfileInput & {
  id: string;
  hasPassword: boolean;
  hasSecretKey: boolean;
  /** False where secrets live in memory only (they must be typed again after a restart). */
  secretsPersisted: boolean;
};

/** Seals secrets for storage (main/host/secret-store.ts). Electron: `safeStorageSecrets(safeStorage)`. */
export type SecretBox = Pick<SecretStore, 'seal' | 'open'>;

/** Electron's safeStorage as a box, or null where the OS offers no encryption. */
export const safeStorageBox = safeStorageSecrets;

interface StoredProfile {
  id: string;
  input: ProfileInput;
  sealed?: { password?: string; secretAccessKey?: string };
}

interface StoredFile {
  version: 1;
  lastUsed: string | null;
  profiles: StoredProfile[];
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

const stripSecrets = (input: ProfileInput): ProfileInput =>
  input.kind === 'sandbox'
    ? { ...input }
    : { ...input, postgres: { ...input.postgres, password: undefined }, s3: { ...input.s3, secretAccessKey: undefined } };

function check(input: ProfileInput): void {
  if (typeof input?.name !== 'string' || input.name.trim() === '') throw new ProfileError('a profile needs a name');
  if (input.kind === 'sandbox') {
    if (typeof input.path !== 'string' || input.path === '') throw new ProfileError('a sandbox profile needs a file path');
    return;
  }
  if (input.kind !== 's3pg') throw new ProfileError(`unknown profile kind ${JSON.stringify((input as { kind: unknown }).kind)}`);
  const { postgres: p, s3 } = input;
  if (!p?.host || !p.database || !p.user) throw new ProfileError('PostgreSQL needs a host, a database and a user');
  if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) throw new ProfileError('the PostgreSQL port must be 1..65535');
  if (!s3?.bucket) throw new ProfileError('S3 needs a bucket');
  if (s3.credentials !== 'keys' && s3.credentials !== 'default-chain') throw new ProfileError('S3 credentials are `keys` or `default-chain`');
  if (s3.credentials === 'keys' && !s3.accessKeyId) throw new ProfileError('S3 with keys needs an access key id');
}

export class ProfileStore {
  private profiles: StoredProfile[] = [];
  private lastUsed: string | null = null;
  /** Secrets of this run when there is no box to seal them with: memory only. */
  private readonly memorySecrets = new Map<string, { password?: string; secretAccessKey?: string }>();

  /**
   * `file`: where profiles are kept (null: memory only, the web host's default). `box`: seals
   * secrets for the file; without one, secrets never reach the file.
   */
  constructor(
    private readonly file: string | null,
    private readonly box: SecretBox | null,
  ) {
    if (!file) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as StoredFile;
      if (parsed?.version === 1 && Array.isArray(parsed.profiles)) {
        this.profiles = parsed.profiles.filter((p) => p && typeof p.id === 'string' && p.input);
        this.lastUsed = typeof parsed.lastUsed === 'string' ? parsed.lastUsed : null;
      }
    } catch {
      // No file yet, or unreadable: start empty rather than refuse to start.
    }
  }

  get secretsPersisted(): boolean {
    return this.file !== null && this.box !== null;
  }

  list(): ProfileView[] {
    return this.profiles.map((p) => this.view(p));
  }

  get(id: string): ProfileView {
    return this.view(this.find(id));
  }

  create(input: ProfileInput): ProfileView {
    check(input);
    const stored: StoredProfile = { id: randomUUID(), input: stripSecrets(input) };
    this.setSecrets(stored, secretsOf(input));
    this.profiles.push(stored);
    this.save();
    return this.view(stored);
  }

  /**
   * Secrets left out of `input` (or blank, as an untouched form field) are kept; `clear` removes
   * them on purpose.
   */
  update(id: string, input: ProfileInput, clear: { password?: boolean; secretAccessKey?: boolean } = {}): ProfileView {
    check(input);
    const stored = this.find(id);
    const kept = this.secrets(stored);
    const given = secretsOf(input);
    stored.input = stripSecrets(input);
    this.setSecrets(stored, {
      password: clear.password ? undefined : given.password || kept.password,
      secretAccessKey: clear.secretAccessKey ? undefined : given.secretAccessKey || kept.secretAccessKey,
    });
    this.save();
    return this.view(stored);
  }

  duplicate(id: string, name?: string): ProfileView {
    const src = this.find(id);
    const copy: StoredProfile = { id: randomUUID(), input: { ...structuredClone(src.input), name: name ?? `${src.input.name} (copy)` } };
    this.setSecrets(copy, this.secrets(src));
    this.profiles.push(copy);
    this.save();
    return this.view(copy);
  }

  remove(id: string): void {
    this.find(id);
    this.profiles = this.profiles.filter((p) => p.id !== id);
    this.memorySecrets.delete(id);
    if (this.lastUsed === id) this.lastUsed = null;
    this.save();
  }

  /** The profile to reopen at start, if it still exists. */
  lastUsedId(): string | null {
    return this.lastUsed && this.profiles.some((p) => p.id === this.lastUsed) ? this.lastUsed : null;
  }

  markUsed(id: string): void {
    this.find(id);
    this.lastUsed = id;
    this.save();
  }

  /**
   * What the engine opens: a sandbox path or both URIs, secrets included. For the host only;
   * never send it to a renderer or a log.
   */
  target(id: string): { kind: 'sandbox'; path: string } | { kind: 'uri'; blob: string; consensus: string } {
    const stored = this.find(id);
    return targetOf(stored.input, this.secrets(stored));
  }

  /** `input` with the secrets it leaves blank taken from the saved profile (an edit being tested). */
  withStoredSecrets(id: string, input: ProfileInput): ProfileInput {
    if (input.kind === 'sandbox') return input;
    const kept = this.secrets(this.find(id));
    return {
      ...input,
      postgres: { ...input.postgres, password: input.postgres.password || kept.password },
      s3: { ...input.s3, secretAccessKey: input.s3.secretAccessKey || kept.secretAccessKey },
    };
  }

  private find(id: string): StoredProfile {
    const p = this.profiles.find((x) => x.id === id);
    if (!p) throw new ProfileError(`no profile ${JSON.stringify(id)}`);
    return p;
  }

  private view(p: StoredProfile): ProfileView {
    const s = this.secrets(p);
    return { ...structuredClone(p.input), id: p.id, hasPassword: !!s.password, hasSecretKey: !!s.secretAccessKey, secretsPersisted: this.secretsPersisted };
  }

  private secrets(p: StoredProfile): { password?: string; secretAccessKey?: string } {
    if (!this.box || !this.file) return this.memorySecrets.get(p.id) ?? {};
    const out: { password?: string; secretAccessKey?: string } = {};
    try {
      if (p.sealed?.password) out.password = this.box.open(p.sealed.password);
      if (p.sealed?.secretAccessKey) out.secretAccessKey = this.box.open(p.sealed.secretAccessKey);
    } catch {
      // Sealed on another machine or by another OS user: the secret must be typed again.
    }
    return out;
  }

  private setSecrets(p: StoredProfile, s: { password?: string; secretAccessKey?: string }): void {
    if (!this.box || !this.file) {
      this.memorySecrets.set(p.id, { ...s });
      delete p.sealed;
      return;
    }
    p.sealed = {
      ...(s.password ? { password: this.box.seal(s.password) } : {}),
      ...(s.secretAccessKey ? { secretAccessKey: this.box.seal(s.secretAccessKey) } : {}),
    };
  }

  private save(): void {
    if (!this.file) return;
    const data: StoredFile = { version: 1, lastUsed: this.lastUsed, profiles: this.profiles };
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(data, null, 2), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }
}

function secretsOf(input: ProfileInput): { password?: string; secretAccessKey?: string } {
  return input.kind === 'sandbox' ? {} : { password: input.postgres.password, secretAccessKey: input.s3.secretAccessKey };
}

export function targetOf(
  input: ProfileInput,
  secrets: { password?: string; secretAccessKey?: string },
): { kind: 'sandbox'; path: string } | { kind: 'uri'; blob: string; consensus: string } {
  if (input.kind === 'sandbox') return { kind: 'sandbox', path: input.path };
  const p = input.postgres;
  const pg = new URL('postgres://placeholder');
  pg.hostname = p.host;
  if (p.port) pg.port = String(p.port);
  pg.pathname = `/${encodeURIComponent(p.database)}`;
  pg.username = encodeURIComponent(p.user);
  if (secrets.password) pg.password = encodeURIComponent(secrets.password);
  if (p.schema) pg.searchParams.set('schema', p.schema);
  if (p.sslmode) pg.searchParams.set('sslmode', p.sslmode);
  const s = input.s3;
  const s3 = new URL(`s3://${s.bucket}`);
  s3.pathname = `/${(s.prefix ?? '').replace(/^\/+/, '')}`;
  if (s.credentials === 'keys') {
    s3.username = encodeURIComponent(s.accessKeyId ?? '');
    s3.password = encodeURIComponent(secrets.secretAccessKey ?? '');
  } else s3.searchParams.set('credentials', 'default');
  if (s.endpoint) s3.searchParams.set('endpoint', s.endpoint);
  if (s.region) s3.searchParams.set('region', s.region);
  return { kind: 'uri', blob: s3.toString(), consensus: pg.toString() };
}

export type Problem =
  | 'wrong-password'
  | 'no-password'
  | 'unknown-user'
  | 'missing-database'
  | 'missing-privilege'
  | 'unreachable'
  | 'missing-bucket'
  | 'no-credentials'
  | 'wrong-access-key'
  | 'wrong-secret-key'
  | 'access-denied'
  | 'invalid-settings'
  | 'other';

export interface SideResult {
  ok: boolean;
  problem?: Problem;
  /** In words, for the user: what is wrong and what to check. Never a secret. */
  message?: string;
}

export interface ConnectionTest {
  ok: boolean;
  consensus: SideResult;
  blob: SideResult;
}

const WORDS: Record<Problem, string> = {
  'wrong-password': 'Wrong password — PostgreSQL refused the password for this user.',
  'no-password': 'No password — PostgreSQL asks for a password and the profile has none.',
  'unknown-user': 'Unknown user — PostgreSQL does not accept this user (check the user name and pg_hba.conf).',
  'missing-database': 'Missing database — the PostgreSQL database does not exist (create it, or fix its name).',
  'missing-privilege': 'Missing privilege — the PostgreSQL user may not create or use the tables (it needs CREATE on the schema).',
  unreachable: 'Unreachable host — the server did not answer (check the host, the port, the network and that it is running).',
  'missing-bucket': 'Missing bucket — the S3 bucket does not exist at this endpoint (create it, or fix its name).',
  'no-credentials': 'No credentials — no S3 credentials were found (give an access key and secret, or configure the AWS default chain).',
  'wrong-access-key': 'Wrong S3 credentials — the S3 endpoint does not know this access key id.',
  'wrong-secret-key': 'Wrong S3 credentials — the S3 secret key does not match the access key id.',
  'access-denied': 'Access denied — the S3 credentials are valid but may not use this bucket or prefix (check its policy).',
  'invalid-settings': 'The settings are not valid.',
  other: 'The connection failed.',
};

/** The problem a failed open names, from the error's code where there is one, else its words. */
export function classify(e: unknown): Problem {
  const chain: unknown[] = [];
  for (let x: unknown = e; x && chain.length < 5; x = (x as { cause?: unknown }).cause) chain.push(x);
  const codes = chain.map((x) => String((x as { code?: unknown; Code?: unknown; name?: unknown }).Code ?? (x as { code?: unknown }).code ?? (x as { name?: unknown }).name ?? ''));
  const text = chain.map((x) => (x instanceof Error ? x.message : String(x))).join(' | ');
  const has = (c: string) => codes.includes(c);
  if (has('28P01')) return 'wrong-password';
  if (/password must be a string|SASL.*password/i.test(text)) return 'no-password';
  if (has('28000')) return 'unknown-user';
  if (has('3D000')) return 'missing-database';
  if (has('42501')) return 'missing-privilege';
  if (has('NoSuchBucket') || /bucket \S+ does not exist/.test(text)) return 'missing-bucket';
  if (has('CredentialsProviderError') || /no AWS credentials/.test(text)) return 'no-credentials';
  if (has('InvalidAccessKeyId')) return 'wrong-access-key';
  if (has('SignatureDoesNotMatch')) return 'wrong-secret-key';
  if (has('AccessDenied') || /HTTP 403/.test(text)) return 'access-denied';
  if (/reachable|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|timeout|no answer within/i.test(text)) return 'unreachable';
  if ((e as { name?: string })?.name === 'InvalidUsageError') return 'invalid-settings';
  return 'other';
}

function sideFailure(e: unknown): SideResult {
  const problem = classify(e);
  // A result, not an error: nothing redacts it on the way out, so here (engine text may quote a URI).
  const detail = redactSecrets(e instanceof Error ? e.message : String(e));
  return { ok: false, problem, message: problem === 'other' || problem === 'invalid-settings' ? `${WORDS[problem]} ${detail}` : WORDS[problem] };
}

/** How long "Test connection" waits for each side before it says the server did not answer. */
export const TEST_DEADLINE_MS = 8000;

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Problems seen in the settings alone, before anything is tried. */
function precheck(input: ProfileInput & { kind: 's3pg' }, secrets: { password?: string; secretAccessKey?: string }): { blob?: SideResult } {
  if (input.s3.credentials === 'keys' && !secrets.secretAccessKey) {
    return { blob: { ok: false, problem: 'no-credentials', message: 'No credentials — the profile has an S3 access key id but no secret key (type the secret key, or use the AWS default chain).' } };
  }
  return {};
}

/** A failure in words, for "Test connection" and for an open by profile. */
export function describeFailure(e: unknown): SideResult {
  return sideFailure(e);
}

/**
 * "Test connection": opens each side on its own (both at once, each within `deadlineMs`) and
 * closes it again, so the answer says which side is wrong and how, in words.
 */
export async function testConnection(
  input: ProfileInput,
  secrets?: { password?: string; secretAccessKey?: string },
  deadlineMs = TEST_DEADLINE_MS,
): Promise<ConnectionTest> {
  try {
    check(input);
  } catch (e) {
    const r: SideResult = { ok: false, problem: 'invalid-settings', message: (e as Error).message };
    return { ok: false, consensus: r, blob: r };
  }
  if (input.kind === 'sandbox') return { ok: true, consensus: { ok: true }, blob: { ok: true } };
  const given = secrets ?? secretsOf(input);
  const pre = precheck(input, given);
  const t = targetOf(input, given);
  if (t.kind !== 'uri') throw new Error('unreachable');
  const side = async (which: 'consensus' | 'blob'): Promise<SideResult> => {
    const known = which === 'blob' ? pre.blob : undefined;
    if (known) return known;
    // The other half is a throwaway in-memory store: only this side is tried.
    const mem = `mem://profile-test-${randomUUID()}`;
    const opening = openLocation(which === 'consensus' ? { consensus: t.consensus, blob: mem } : { consensus: mem, blob: t.blob });
    try {
      const opened = await withDeadline(opening, deadlineMs, which === 'consensus' ? `PostgreSQL at ${input.postgres.host}` : `S3 at ${input.s3.endpoint ?? 'AWS'}`);
      await opened.blob.close();
      await opened.consensus.close();
      return { ok: true };
    } catch (e) {
      // An open that answers after the deadline is closed, not leaked.
      opening.then((o) => Promise.all([o.blob.close(), o.consensus.close()])).catch(() => undefined);
      return sideFailure(e);
    }
  };
  const [consensus, blob] = await Promise.all([side('consensus'), side('blob')]);
  return { ok: consensus.ok && blob.ok, consensus, blob };
}
