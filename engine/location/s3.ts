// Blob in S3 or anything speaking its API (`s3://[KEY:SECRET@]bucket/prefix?endpoint=URL&region=R`),
// after Materialize's persist S3Blob: multipart uploads and parallel ranged downloads for large
// blobs, bounded connect and request times, and an open that proves the location works.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { InvalidUsageError, LocationError } from '../errors.js';
import { notRetryable } from './retry.js';
import type { Blob, BlobMeta } from './types.js';
import { checkKey } from './validate.js';

export interface S3Options {
  /** Custom endpoint (MinIO, s3rver, ...); path-style addressing is always used. */
  endpoint?: string;
  region?: string;
  /** Explicit keys; leave unset to use the AWS default credential chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Refuse the default chain: credentials must be given (a host serving untrusted requests). */
  requireExplicitCredentials?: boolean;
  /** Attempts the SDK makes per call before the engine's own backoff takes over. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  /** Bound on one HTTP attempt, request and response. */
  requestTimeoutMs?: number;
  /** A connection with no traffic for this long is given up (a silent endpoint). */
  idleTimeoutMs?: number;
  /** How long `open` may take to prove the location answers. */
  openDeadlineMs?: number;
  /** Blobs above this go up in parts of partSizeBytes, in parallel. Default 8 MiB. */
  multipartThresholdBytes?: number;
  partSizeBytes?: number;
  /** Parts in flight at once per upload or download. */
  parallelism?: number;
}

type SdkError = Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };

const MiB = 1 << 20;
const MAX_PARTS = 10_000;
// Materialize reads this key at open: nothing writes it, so the answer is "not found" on a
// working location and the failure that matters otherwise.
const HEALTH_CHECK = 'HEALTH_CHECK';
// After an authorization failure, calls fail at once for this long instead of hammering the
// endpoint with credentials it has just refused.
const AUTH_BACKOFF_MS = 30_000;

// Failures where the request certainly never reached a server.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CredentialsProviderError']);
const AUTH = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed']);

function status(e: unknown): number | undefined {
  return (e as SdkError)?.$metadata?.httpStatusCode;
}
function codeOf(e: unknown): string {
  const err = e as SdkError;
  return err?.Code ?? err?.code ?? err?.name ?? 'Error';
}
function isNotFound(e: unknown): boolean {
  const c = codeOf(e);
  return c === 'NoSuchKey' || c === 'NotFound' || (status(e) === 404 && c !== 'NoSuchBucket');
}

/** What an operator should check, in words, for a failure code. */
function hintFor(code: string, s: number | undefined, bucket: string): string {
  switch (code) {
    case 'NoSuchBucket':
      return ` (bucket ${bucket} does not exist at this endpoint: create it or fix the bucket name)`;
    case 'InvalidAccessKeyId':
      return ' (the endpoint does not know this access key id: check the access key)';
    case 'SignatureDoesNotMatch':
      return ' (the secret access key does not match the access key id: check the secret)';
    case 'AccessDenied':
      return ' (the credentials were accepted but may not use this bucket or prefix: check the bucket policy or IAM permissions)';
    case 'ExpiredToken':
    case 'InvalidToken':
      return ' (the session token is expired or invalid: refresh the credentials)';
    case 'CredentialsProviderError':
      return ' (no AWS credentials: give an access key and secret, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or another source of the default chain)';
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return ' (wrong region for this bucket: set region=)';
  }
  if (s === 403) return ' (access denied: check the credentials and the bucket policy)';
  if (NOT_SENT.has(code) || s === undefined) return ' (is the endpoint reachable? check the endpoint URL, the network and any proxy)';
  return '';
}

export class S3Blob implements Blob {
  /** Requests sent, by S3 command name (UploadPartCommand, GetObjectCommand, ...), for diagnostics. */
  readonly requests: Record<string, number> = {};
  private closed = false;
  private authFailure: { error: LocationError; until: number } | null = null;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly parallelism: number;

  private constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** Either empty or ending in `/`. */
    readonly prefix: string,
    private readonly where: string,
    options: S3Options,
  ) {
    this.partSize = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
    this.threshold = Math.max(this.partSize, options.multipartThresholdBytes ?? 8 * MiB);
    this.parallelism = Math.max(1, options.parallelism ?? 8);
  }

  /**
   * Reads a key nobody writes (as Materialize's HEALTH_CHECK), with a short deadline, so a wrong
   * endpoint, bucket or credential fails here with words saying which, not as retries later.
   */
  static async open(bucket: string, prefix: string, options: S3Options = {}): Promise<S3Blob> {
    const p = prefix.replace(/^\/+|\/+$/g, '');
    const where = `s3://${bucket}/${p}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    if (options.requireExplicitCredentials && !options.credentials) {
      throw new InvalidUsageError('InvalidLocation', `${where}: credentials are required here (an access key and secret), the AWS default chain is not used`);
    }
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    const client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      credentials: options.credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        requestTimeout: options.requestTimeoutMs ?? 60_000,
        socketTimeout: options.idleTimeoutMs ?? 10_000,
        throwOnRequestTimeout: true,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
      },
    });
    const blob = new S3Blob(client, bucket, p ? `${p}/` : '', where, options);
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.commandName ?? 'unknown';
        blob.requests[name] = (blob.requests[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'shardscopeRequestCount' },
    );
    const deadline = options.openDeadlineMs ?? 5000;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), deadline);
    try {
      await client.send(new GetObjectCommand({ Bucket: bucket, Key: blob.prefix + HEALTH_CHECK }), { abortSignal: ac.signal });
    } catch (e) {
      if (!isNotFound(e)) {
        client.destroy();
        if (codeOf(e) === 'NoSuchBucket') {
          throw new InvalidUsageError('InvalidLocation', `${where}: bucket ${bucket} does not exist${hintFor('NoSuchBucket', 404, bucket)}`);
        }
        if (ac.signal.aborted) {
          throw new LocationError(
            `S3 open ${where} failed: no answer within ${deadline} ms (is the endpoint reachable and an S3 server? check the endpoint URL, the network and any proxy)`,
            true,
            { cause: e },
          );
        }
        throw blob.error(e, 'open', '', false);
      }
    } finally {
      clearTimeout(timer);
    }
    return blob;
  }

  private error(e: unknown, what: string, key: string, mutates: boolean): LocationError {
    if (e instanceof LocationError) return e;
    const err = e as SdkError;
    const code = codeOf(e);
    const s = status(e);
    const auth = AUTH.has(code) || s === 403 || code === 'CredentialsProviderError' || code === 'NoSuchBucket';
    // A 4xx is the server refusing the request: nothing was written.
    const determinate = !mutates || NOT_SENT.has(code) || (s !== undefined && s >= 400 && s < 500);
    const detail = s === undefined ? `${code}: ${err?.message || 'no response'}` : `HTTP ${s} ${code}${err?.message && err.message !== code ? `: ${err.message}` : ''}`;
    const target = key ? `${key} in ${this.where}` : this.where;
    const out = new LocationError(`S3 ${what} ${target} failed: ${detail}${hintFor(code, s, this.bucket)}`, determinate, { cause: e });
    if (auth) {
      // Retrying cannot help until someone changes the credentials, policy or bucket.
      notRetryable(out);
      this.authFailure = { error: out, until: Date.now() + AUTH_BACKOFF_MS };
    }
    return out;
  }

  private objectKey(key: string): string {
    checkKey(key);
    if (this.closed) throw new Error(`S3 blob ${this.where} is closed`);
    if (this.authFailure) {
      if (Date.now() < this.authFailure.until) throw this.authFailure.error;
      this.authFailure = null;
    }
    return this.prefix + key;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const Key = this.objectKey(key);
    try {
      return await this.fetch(Key);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.error(e, 'get', key, false);
    }
  }

  /**
   * Small blobs in one GET. A large one (its size is known from the headers, before the body)
   * is fetched instead as parallel ranged GETs pinned to the first answer's ETag, so an
   * overwrite meanwhile cannot mix versions.
   */
  private async fetch(Key: string): Promise<Uint8Array> {
    const first = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    const total = first.ContentLength ?? 0;
    if (!first.Body) return new Uint8Array(0);
    if (total <= this.threshold) return await first.Body.transformToByteArray();
    (first.Body as unknown as { destroy?: () => void }).destroy?.();
    const out = new Uint8Array(total);
    const starts: number[] = [];
    for (let at = 0; at < total; at += this.partSize) starts.push(at);
    await this.inParallel(starts, async (start) => {
      const end = Math.min(start + this.partSize, total) - 1;
      const part = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${start}-${end}`, IfMatch: first.ETag }),
      );
      const bytes = part.Body ? await part.Body.transformToByteArray() : new Uint8Array(0);
      if (bytes.byteLength !== end - start + 1) {
        throw new LocationError(`S3 get ${Key}: range ${start}-${end} returned ${bytes.byteLength} bytes`, true);
      }
      out.set(bytes, start);
    });
    return out;
  }

  private async inParallel<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failed: unknown = null;
    const worker = async () => {
      while (next < items.length && failed === null) {
        const item = items[next++];
        try {
          await run(item);
        } catch (e) {
          failed ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, items.length) }, worker));
    if (failed !== null) throw failed;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    try {
      if (value.byteLength > this.threshold) await this.multipart(Key, value);
      else await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: value, ContentLength: value.byteLength }));
    } catch (e) {
      throw this.error(e, 'set', key, true);
    }
  }

  /** Visible only once complete (S3 makes a multipart object appear atomically); aborted on failure. */
  private async multipart(Key: string, value: Uint8Array): Promise<void> {
    // S3 allows at most 10,000 parts: a huge blob gets bigger parts.
    const partSize = Math.max(this.partSize, Math.ceil(value.byteLength / MAX_PARTS));
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
    try {
      const numbers = Array.from({ length: Math.ceil(value.byteLength / partSize) }, (_, i) => i + 1);
      const etags: string[] = [];
      await this.inParallel(numbers, async (PartNumber) => {
        const body = value.subarray((PartNumber - 1) * partSize, Math.min(PartNumber * partSize, value.byteLength));
        const out = await this.client.send(
          new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.byteLength }),
        );
        etags[PartNumber - 1] = out.ETag!;
      });
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: numbers.map((PartNumber) => ({ PartNumber, ETag: etags[PartNumber - 1] })) },
        }),
      );
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  async delete(key: string): Promise<number | null> {
    const Key = this.objectKey(key);
    let size: number;
    try {
      // S3 does not say what a delete removed; the size comes from a look first.
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      size = head.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.error(e, 'delete', key, false);
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      throw this.error(e, 'delete', key, true);
    }
    return size;
  }

  async list(prefix: string): Promise<BlobMeta[]> {
    if (this.closed) throw new Error(`S3 blob ${this.where} is closed`);
    if (this.authFailure && Date.now() < this.authFailure.until) throw this.authFailure.error;
    const out: BlobMeta[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key) out.push({ key: o.Key.slice(this.prefix.length), sizeBytes: o.Size ?? 0 });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    } catch (e) {
      throw this.error(e, 'list', prefix || '(all)', false);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }
}
