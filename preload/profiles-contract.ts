// The contract's saved connection profiles: list, create, edit, duplicate, remove, "Test
// connection", open. Secrets (the PostgreSQL password, the S3 secret key) are write-only: a request
// may carry them, no answer ever does (`hasPassword` / `hasSecretKey` say whether one is saved).
// Spread into contract.ts.
import { z } from 'zod';
import type { LocationInfo } from './location-info.js';

const id = z.string().min(1).max(200);
const name = z.string().trim().min(1, 'a profile needs a name').max(200);
/** blank: keep the saved one (an edit that leaves the field empty) */
const secret = z.string().max(1024).optional();
const sqlIdent = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier (letters, digits, _)');

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

const postgres = z
  .object({
    host: z.string().trim().min(1, 'PostgreSQL needs a host').max(255).regex(/^[^\s/?#@]+$/, 'a host name or address, without a scheme or path'),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().trim().min(1, 'PostgreSQL needs a database').max(63),
    user: z.string().trim().min(1, 'PostgreSQL needs a user').max(63),
    password: secret,
    schema: sqlIdent.optional(),
    sslmode: z.enum(SSL_MODES).optional(),
  })
  .strict();

const s3 = z
  .object({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)'),
    prefix: z.string().max(1024).optional(),
    endpoint: z.string().max(2048).regex(/^https?:\/\/[^\s@/]+(\/\S*)?$/, 'an http:// or https:// URL, without credentials').optional(),
    region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'a region name such as us-east-1').optional(),
    credentials: z.enum(['keys', 'default-chain']),
    accessKeyId: z.string().max(256).optional(),
    secretAccessKey: secret,
  })
  .strict();

export const profileInputSchema = z.discriminatedUnion('kind', [
  z.object({ name, kind: z.literal('sandbox'), path: z.string().min(1).max(4096) }).strict(),
  z.object({ name, kind: z.literal('s3pg'), postgres, s3 }).strict(),
]);

export type ProfileInputInfo = z.input<typeof profileInputSchema>;

/** A saved profile as the renderer sees it: never a secret, only whether one is saved. */
export type ProfileInfo = ProfileInputInfo & {
  id: string;
  hasPassword: boolean;
  hasSecretKey: boolean;
  /** false: the secrets must be typed again after a restart */
  secretsPersisted: boolean;
};

export interface ProfilesInfo {
  profiles: ProfileInfo[];
  /** the profile that reopens at the next start */
  lastUsed: string | null;
  /** where this host keeps secrets, in words for the Profiles section */
  secrets: { at: 'encrypted' | 'file' | 'memory'; file: string | null; words: string };
  /** what happened at start when the last used profile was reopened (null: none was) */
  startup: { profile: string; opened: string | null; message: string | null } | null;
}

export type ProblemInfo =
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

export interface SideTestInfo {
  ok: boolean;
  problem?: ProblemInfo;
  message?: string;
}

export interface ConnectionTestInfo {
  ok: boolean;
  consensus: SideTestInfo;
  blob: SideTestInfo;
}

export const profileRequestSchemas = {
  'profiles.list': z.object({}).strict(),
  'profiles.create': z.object({ input: profileInputSchema }).strict(),
  /** blank secrets keep the saved ones; clear* removes them */
  'profiles.update': z
    .object({ id, input: profileInputSchema, clearPassword: z.boolean().optional(), clearSecretKey: z.boolean().optional() })
    .strict(),
  'profiles.duplicate': z.object({ id, name: name.optional() }).strict(),
  'profiles.remove': z.object({ id }).strict(),
  /** a saved profile (id), or a form's settings (input; with id, its blank secrets are the saved ones) */
  'profiles.test': z
    .object({ id: id.optional(), input: profileInputSchema.optional() })
    .strict()
    .refine((p) => p.id !== undefined || p.input !== undefined, { message: 'give a profile id or its settings', path: ['id'] }),
  'profiles.open': z.object({ id }).strict(),
};

export interface ProfileResults {
  'profiles.list': ProfilesInfo;
  'profiles.create': ProfileInfo;
  'profiles.update': ProfileInfo;
  'profiles.duplicate': ProfileInfo;
  'profiles.remove': null;
  'profiles.test': ConnectionTestInfo;
  'profiles.open': LocationInfo;
}
