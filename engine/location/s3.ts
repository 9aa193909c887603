// Blob in S3 or anything speaking its API (`s3://bucket/prefix?endpoint=URL&region=R`).
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { InvalidUsageError, LocationError } from '../errors.js';
import type { Blob, BlobMeta } from './types.js';
import { checkKey } from './validate.js';

export interface S3Options {
  /** Custom endpoint (MinIO, s3rver, ...); path-style addressing is always used. */
  endpoint?: string;
  region?: string;
  /** Leave unset to use the AWS default credential chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Attempts the SDK makes per call before the engine's own backoff takes over. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

type SdkError = Error & { code?: string; $metadata?: { httpStatusCode?: number } };

// Failures where the request certainly never reached a server.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CredentialsProviderError']);

function status(e: unknown): number | undefined {
  return (e as SdkError)?.$metadata?.httpStatusCode;
}

export class S3Blob implements Blob {
  private closed = false;

  private constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** Either empty or ending in `/`. */
    readonly prefix: string,
    private readonly where: string,
  ) {}

  /**
   * Checks once that the endpoint answers and the bucket exists, so a wrong location fails at
   * open with a clear message rather than as retries on first use.
   */
  static async open(bucket: string, prefix: string, options: S3Options = {}): Promise<S3Blob> {
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
        throwOnRequestTimeout: true,
      },
    });
    const p = prefix.replace(/^\/+|\/+$/g, '');
    const where = `s3://${bucket}/${p}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    const blob = new S3Blob(client, bucket, p ? `${p}/` : '', where);
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (e) {
      const s = status(e);
      // 403: credentials may allow objects but not the bucket itself; the first real call will tell.
      if (s !== 403) {
        client.destroy();
        if (s === 404) throw new InvalidUsageError('InvalidLocation', `${where}: bucket ${bucket} does not exist`);
        throw blob.error(e, 'open', '', true);
      }
    }
    return blob;
  }

  private error(e: unknown, what: string, key: string, mutates: boolean): LocationError {
    const err = e as SdkError;
    const code = err?.code ?? err?.name ?? 'Error';
    const s = status(e);
    const determinate = !mutates || NOT_SENT.has(code) || (s !== undefined && s >= 400 && s < 500);
    const detail = s === undefined ? `${code}: ${err?.message || 'no response'}` : `HTTP ${s} ${code}: ${err?.message ?? ''}`;
    const hint =
      code === 'CredentialsProviderError'
        ? ' (no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or another source of the default chain)'
        : NOT_SENT.has(code) || code === 'TimeoutError' || s === undefined
          ? ' (is the endpoint reachable?)'
          : '';
    const target = key ? `${key} in ${this.where}` : this.where;
    return new LocationError(`S3 ${what} ${target} failed: ${detail}${hint}`, determinate, { cause: e });
  }

  private objectKey(key: string): string {
    checkKey(key);
    if (this.closed) throw new Error(`S3 blob ${this.where} is closed`);
    return this.prefix + key;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      if ((e as SdkError).name === 'NoSuchKey' || status(e) === 404) return null;
      throw this.error(e, 'get', key, false);
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: value, ContentLength: value.byteLength }));
    } catch (e) {
      throw this.error(e, 'set', key, true);
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
      if (status(e) === 404 || (e as SdkError).name === 'NotFound') return null;
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
