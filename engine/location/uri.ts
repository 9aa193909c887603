// Opens the blob and consensus a PersistLocation names.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidUsageError } from '../errors.js';
import { FileBlob, type FileBlobOptions } from './file.js';
import { MemBlob, MemConsensus } from './mem.js';
import { PostgresConsensus, type PostgresOptions } from './postgres.js';
import { S3Blob, type S3Options } from './s3.js';
import { openSqlite, openSqliteBlob, openSqliteConsensus, type SqliteOptions } from './sqlite.js';
import type { Blob, Consensus } from './types.js';
import { redactUri } from './redact.js';

export interface LocationOptions {
  sqlite?: SqliteOptions;
  file?: FileBlobOptions;
  s3?: Omit<S3Options, 'endpoint' | 'region'>;
  postgres?: PostgresOptions;
}

export interface OpenedLocation {
  consensus: Consensus;
  blob: Blob;
}

const BLOB_SCHEMES = ['mem', 'sqlite', 'file', 's3'];
const CONSENSUS_SCHEMES = ['mem', 'sqlite', 'postgres', 'postgresql'];

function invalid(uri: string, why: string): InvalidUsageError {
  return new InvalidUsageError('InvalidLocation', redactUri(`invalid location ${uri}: ${why}`));
}

function schemeOf(uri: string, role: 'blob' | 'consensus'): string {
  if (typeof uri !== 'string' || uri === '') throw invalid(String(uri), `the ${role} location must be a non-empty URI string`);
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  if (!m) throw invalid(uri, 'not a URI of the form scheme://...');
  const scheme = m[1].toLowerCase();
  const allowed = role === 'blob' ? BLOB_SCHEMES : CONSENSUS_SCHEMES;
  if (!allowed.includes(scheme)) {
    const known = [...BLOB_SCHEMES, ...CONSENSUS_SCHEMES].includes(scheme);
    throw invalid(
      uri,
      known
        ? `${scheme}:// cannot hold ${role}; ${role} may use ${allowed.filter((s) => s !== 'postgresql').map((s) => `${s}://`).join(', ')}`
        : `unknown scheme ${scheme}://; ${role} may use ${allowed.filter((s) => s !== 'postgresql').map((s) => `${s}://`).join(', ')}`,
    );
  }
  return scheme;
}

/** `mem://NAME` → NAME. */
export function parseMemUri(uri: string): string {
  const name = uri.slice('mem://'.length);
  if (!name) throw invalid(uri, 'mem:// needs a name, as in mem://test');
  return name;
}

/** `sqlite:///abs/file` or `file:///abs/dir` → an absolute local path, plus the query. */
export function parseLocalPathUri(uri: string): { path: string; params: URLSearchParams } {
  const scheme = uri.slice(0, uri.indexOf(':'));
  let url: URL;
  try {
    url = new URL(`file:${uri.slice(scheme.length + 1)}`);
  } catch {
    throw invalid(uri, 'not a valid URI');
  }
  if (url.host !== '' && url.host !== 'localhost') {
    throw invalid(uri, `the path must be absolute: ${scheme}:///abs/path (three slashes), not ${scheme}://${url.host}/...`);
  }
  const path = fileURLToPath(new URL(`file://${url.pathname}`));
  if (!isAbsolute(path) || url.pathname === '/' || url.pathname === '') throw invalid(uri, 'the path must be absolute and name a file or directory');
  return { path, params: url.searchParams };
}

function sqliteOptionsFrom(uri: string, params: URLSearchParams, base: SqliteOptions | undefined): SqliteOptions {
  const out: SqliteOptions = { ...base };
  for (const [k, v] of params) {
    if (k === 'synchronous') {
      const s = v.toUpperCase();
      if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(s)) throw invalid(uri, `synchronous must be OFF, NORMAL, FULL or EXTRA, got ${v}`);
      out.synchronous = s as SqliteOptions['synchronous'];
    } else throw invalid(uri, `unknown parameter ${k} (sqlite:// knows synchronous)`);
  }
  return out;
}

export interface S3Uri {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  /** From `s3://KEY:SECRET@bucket/...`; absent: the AWS default chain (`credentials=default` says so explicitly). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** `s3://[KEY:SECRET@]bucket/prefix?endpoint=URL&region=R[&credentials=default]`. */
export function parseS3Uri(uri: string): S3Uri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'not a valid URI');
  }
  const bucket = url.hostname;
  if (!bucket) throw invalid(uri, 'missing bucket: s3://bucket/prefix');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw invalid(uri, `${bucket} is not a valid S3 bucket name`);
  const out: S3Uri = {
    bucket,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
  };
  if (url.username || url.password) {
    if (!url.username || !url.password) throw invalid(uri, 'credentials in an s3:// URI are ACCESS_KEY_ID:SECRET_ACCESS_KEY@bucket, both parts');
    out.credentials = { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) };
  }
  let chain = false;
  for (const [k, v] of url.searchParams) {
    if (k === 'endpoint') {
      let e: URL;
      try {
        e = new URL(v);
        if (e.protocol !== 'http:' && e.protocol !== 'https:') throw new Error();
      } catch {
        throw invalid(uri, `endpoint must be an http(s) URL, got ${v}`);
      }
      if (e.username || e.password) {
        if (!e.username || !e.password) throw invalid(uri, 'endpoint credentials are key:secret@host, both parts');
        out.credentials = { accessKeyId: decodeURIComponent(e.username), secretAccessKey: decodeURIComponent(e.password) };
        e.username = '';
        e.password = '';
        out.endpoint = e.toString().replace(/\/$/, v.endsWith('/') ? '/' : '');
      } else out.endpoint = v;
    } else if (k === 'region') out.region = v;
    else if (k === 'credentials') {
      if (v !== 'default') throw invalid(uri, `credentials= may only be default (the AWS default chain); give keys as s3://KEY:SECRET@bucket/...`);
      chain = true;
    } else throw invalid(uri, `unknown parameter ${k} (s3:// knows endpoint, region and credentials)`);
  }
  if (chain && out.credentials) throw invalid(uri, 'give either keys in the URI or credentials=default, not both');
  return out;
}

function checkPostgresUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'not a valid URI');
  }
  if (!url.hostname && !url.searchParams.get('host')) throw invalid(uri, 'missing host: postgres://user@host:port/db');
}

async function openBlob(uri: string, opts: LocationOptions): Promise<Blob> {
  switch (schemeOf(uri, 'blob')) {
    case 'mem':
      return MemBlob.named(parseMemUri(uri));
    case 'sqlite': {
      const { path, params } = parseLocalPathUri(uri);
      return openSqliteBlob(path, sqliteOptionsFrom(uri, params, opts.sqlite));
    }
    case 'file': {
      const { path, params } = parseLocalPathUri(uri);
      if ([...params.keys()].length) throw invalid(uri, 'file:// takes no parameters');
      return new FileBlob(path, opts.file);
    }
    default: {
      const s3 = parseS3Uri(uri);
      return S3Blob.open(s3.bucket, s3.prefix, {
        ...opts.s3,
        endpoint: s3.endpoint,
        region: s3.region,
        ...(s3.credentials ? { credentials: s3.credentials } : {}),
      });
    }
  }
}

async function openConsensus(uri: string, opts: LocationOptions): Promise<Consensus> {
  switch (schemeOf(uri, 'consensus')) {
    case 'mem':
      return MemConsensus.named(parseMemUri(uri));
    case 'sqlite': {
      const { path, params } = parseLocalPathUri(uri);
      return openSqliteConsensus(path, sqliteOptionsFrom(uri, params, opts.sqlite));
    }
    default:
      checkPostgresUri(uri);
      return PostgresConsensus.open(uri, opts.postgres);
  }
}

/**
 * Opens both halves of a location, at once. Both URIs are checked before anything is opened;
 * each side proves at open that it answers (PostgreSQL connects and creates its tables, S3 reads
 * a health-check key), each within a few seconds, so a wrong location fails here with a
 * LocationError that names the endpoint and what to check. If one side fails the other is
 * closed again.
 */
export async function openLocation(
  location: { blob: string; consensus: string },
  options: LocationOptions = {},
): Promise<OpenedLocation> {
  if (typeof location !== 'object' || location === null) {
    throw new InvalidUsageError('InvalidLocation', 'a location is an object { blob: URI, consensus: URI }');
  }
  schemeOf(location.blob, 'blob');
  schemeOf(location.consensus, 'consensus');
  const [consensus, blob] = await Promise.allSettled([openConsensus(location.consensus, options), openBlob(location.blob, options)]);
  if (consensus.status === 'fulfilled' && blob.status === 'fulfilled') return { consensus: consensus.value, blob: blob.value };
  if (consensus.status === 'fulfilled') await consensus.value.close().catch(() => undefined);
  if (blob.status === 'fulfilled') await blob.value.close().catch(() => undefined);
  throw consensus.status === 'rejected' ? consensus.reason : (blob as PromiseRejectedResult).reason;
}

/** The embedded default: consensus and blob in one SQLite file (relative to the working directory), created on first use. */
export async function openSandboxLocation(path: string, options: SqliteOptions = {}): Promise<OpenedLocation> {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidUsageError('InvalidLocation', `the sandbox path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  return openSqlite(resolve(path), options);
}
