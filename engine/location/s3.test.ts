import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { InvalidUsageError, LocationError } from '../errors.js';
import { blobConformance } from './conformance.test-util.js';
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

  it('a bucket that does not exist is an InvalidLocation', async () => {
    const err = await S3Blob.open('no-such-bucket-here', 'x', opts).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidUsageError);
    expect(err.message).toMatch(/no-such-bucket-here/);
  });

  it('an unreachable endpoint fails with a clear LocationError, quickly', async () => {
    const port = await closedPort();
    const start = Date.now();
    const err = await S3Blob.open('bucket', 'x', { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1' }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(err.message).toMatch(/reachable/);
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('an endpoint that never answers times out with a LocationError', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const srv = createServer((s) => void sockets.add(s)); // accepts, never replies
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as { port: number };
    const start = Date.now();
    const err = await S3Blob.open('bucket', 'x', {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      requestTimeoutMs: 300,
      maxAttempts: 2,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(Date.now() - start).toBeLessThan(10_000);
    for (const s of sockets) s.destroy();
    srv.close();
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
