import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { InvalidUsageError, LocationError } from '../errors.js';
import { blobConformance } from './conformance.test-util.js';
import { freePort } from '../../test/ports.js';
import { retryExternal } from './retry.js';
import { S3Blob } from './s3.js';
import { parseS3Uri } from './uri.js';

const s3 = parseS3Uri(process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri'));
const opts = { endpoint: s3.endpoint, region: s3.region };

blobConformance(
  's3',
  async () => {
    const prefix = `${s3.prefix}/${randomUUID()}`;
    return { a: await S3Blob.open(s3.bucket, prefix, opts), b: await S3Blob.open(s3.bucket, prefix, opts) };
  },
  // s3rver streams a PUT straight into the object's file, so two PUTs of one key can interleave;
  // real S3 replaces objects atomically. Sequential overwrite is still tested.
  { atomicConcurrentSets: false },
);

describe('S3Blob', () => {
  it('stores a blob above 8 MiB as a multipart upload and reads it back exactly (parallel ranged GETs)', async () => {
    const prefix = `${s3.prefix}/${randomUUID()}`;
    const blob = await S3Blob.open(s3.bucket, prefix, opts);
    const big = new Uint8Array(20 * (1 << 20) + 3).map((_, i) => (i * 2654435761) >>> 24);
    await blob.set('big', big);
    // 20 MiB + 3 in 8 MiB parts is 3 parts, uploaded as one multipart upload.
    expect(blob.requests.UploadPartCommand).toBe(3);
    expect(blob.requests.CompleteMultipartUploadCommand).toBe(1);
    expect(blob.requests.PutObjectCommand).toBeUndefined();
    const back = await blob.get('big');
    expect(back?.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(back!, big)).toBe(0);
    // One GET learns the size, then three ranged GETs fetch the parts.
    expect(blob.requests.GetObjectCommand).toBe(1 + 1 + 3); // + the open's health check
    expect(await blob.list('')).toEqual([{ key: 'big', sizeBytes: big.byteLength }]);
    // Exactly at the threshold: one PUT, and still exact.
    const edge = big.subarray(0, 8 << 20);
    await blob.set('edge', edge);
    expect(Buffer.compare((await blob.get('edge'))!, edge)).toBe(0);
    await blob.close();
  }, 60_000);

  it('an access key the endpoint does not know fails open, saying so, and is not retried', async () => {
    const err = await S3Blob.open(s3.bucket, 'x', { ...opts, credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' } }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(/HTTP 403 InvalidAccessKeyId/);
    expect(err.message).toMatch(/check the access key/);
    expect(err.message).not.toMatch(/reachable|bucket \S+ does not exist/);
    // The engine's retry gives up at once rather than after its whole 30 s bound.
    let attempts = 0;
    const retried = await retryExternal(() => {
      attempts++;
      return Promise.reject(err);
    }, 'open').catch((e) => e);
    expect(retried).toBe(err);
    expect(attempts).toBe(1);
  });

  // s3rver does not verify SigV4 signatures, so a wrong secret is played by a stub that answers
  // as S3 does: 404 for the health check, then 403 SignatureDoesNotMatch for everything.
  it('refused credentials mid-use: determinate, worded, and the endpoint is left alone for 30 s', async () => {
    let requests = 0;
    let refuse = false;
    const srv = createHttpServer((req, res) => {
      requests++;
      req.resume();
      const [status, code] = refuse ? [403, 'SignatureDoesNotMatch'] : [404, 'NoSuchKey'];
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const blob = await S3Blob.open('bucket', 'x', { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'K', secretAccessKey: 'wrong' } });
    refuse = true;
    const err = await blob.set('k', new Uint8Array(3)).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.determinate).toBe(true);
    expect(err.message).toMatch(/secret access key does not match/);
    const sent = requests;
    await expect(blob.get('k')).rejects.toBe(err);
    await expect(blob.list('')).rejects.toBe(err);
    expect(requests).toBe(sent);
    await blob.close();
    srv.close();
  });

  it('keeps its objects under its prefix and pages through long listings', async () => {
    const prefix = `${s3.prefix}/${randomUUID()}`;
    const blob = await S3Blob.open(s3.bucket, `/${prefix}/`, opts);
    const outside = await S3Blob.open(s3.bucket, `${prefix}-other`, opts);
    await outside.set('k0', new Uint8Array(1));
    // More than one page of ListObjectsV2 (1000 keys).
    const keys = Array.from({ length: 1100 }, (_, i) => `p/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => blob.set(k, new Uint8Array(3))));
    const listed = await blob.list('');
    expect(listed.map((m) => m.key).sort()).toEqual(keys);
    expect(listed.every((m) => m.sizeBytes === 3)).toBe(true);
    await blob.close();
    await outside.close();
  }, 60_000);

  it('a bucket that does not exist is an InvalidLocation, told apart from wrong credentials', async () => {
    const err = await S3Blob.open('no-such-bucket-here', 'x', opts).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidUsageError);
    expect(err.message).toMatch(/no-such-bucket-here/);
    expect(err.message).toMatch(/does not exist/);
    expect(err.message).not.toMatch(/credential|access key|secret/);
  });

  // "Quickly": a hang (the SDK's retries with backoff, or no timeout) runs into the 10 s timeout.
  it('an unreachable endpoint fails with a clear LocationError, quickly', { timeout: 10_000 }, async () => {
    const port = await freePort();
    const err = await S3Blob.open('bucket', 'x', { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1' }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(err.message).toMatch(/reachable/);
  });

  it('an endpoint that never answers times out with a LocationError', { timeout: 10_000 }, async () => {
    const sockets = new Set<import('node:net').Socket>();
    const srv = createServer((s) => void sockets.add(s)); // accepts, never replies
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as { port: number };
    const err = await S3Blob.open('bucket', 'x', {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      requestTimeoutMs: 300,
      maxAttempts: 2,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    for (const s of sockets) s.destroy();
    srv.close();
  });
});

