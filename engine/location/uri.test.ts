import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { InvalidUsageError, LocationError } from '../errors.js';
import { tempDir } from './conformance.test-util.js';
import { FileBlob } from './file.js';
import { MemBlob, MemConsensus } from './mem.js';
import { PostgresConsensus } from './postgres.js';
import { S3Blob } from './s3.js';
import { SqliteBlob, SqliteConsensus } from './sqlite.js';
import { openLocation, openSandboxLocation, parseLocalPathUri, parseS3Uri } from './uri.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function invalid(location: { blob: string; consensus: string }, pattern: RegExp) {
  const err = await openLocation(location).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidUsageError);
  expect(err.kind).toBe('InvalidLocation');
  expect(err.message).toMatch(pattern);
}

describe('openLocation', () => {
  it('opens every scheme of the contract', async () => {
    const name = randomUUID();
    const mem = await openLocation({ blob: `mem://${name}`, consensus: `mem://${name}` });
    expect(mem.blob).toBeInstanceOf(MemBlob);
    expect(mem.consensus).toBeInstanceOf(MemConsensus);

    const db = join(tmp.dir, 'sub dir', 'x.sqlite');
    const sqlite = await openLocation({ blob: `sqlite://${encodeURI(db)}`, consensus: `sqlite://${db}?synchronous=full` });
    expect(sqlite.blob).toBeInstanceOf(SqliteBlob);
    expect(sqlite.consensus).toBeInstanceOf(SqliteConsensus);
    await sqlite.blob.set('k', new Uint8Array([1]));

    const s3Uri = process.env.SHARDSCOPE_TEST_S3_URI ?? inject('s3Uri');
    const pgUri = process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri');
    const remote = await openLocation({ blob: s3Uri, consensus: pgUri });
    expect(remote.blob).toBeInstanceOf(S3Blob);
    expect(remote.consensus).toBeInstanceOf(PostgresConsensus);

    const files = await openLocation({ blob: `file://${join(tmp.dir, 'blobs')}`, consensus: `mem://${name}` });
    expect(files.blob).toBeInstanceOf(FileBlob);

    for (const l of [mem, sqlite, remote, files]) {
      await l.blob.close();
      await l.consensus.close();
    }
  });

  it('the sandbox is one SQLite file holding both', async () => {
    const path = join(tmp.dir, 'sandbox', 'shardscope.sqlite');
    const a = await openSandboxLocation(path);
    await a.blob.set('k', new Uint8Array([9]));
    await a.consensus.compareAndSet('s', null, { seqno: 1, data: new Uint8Array() });
    await a.blob.close();
    await a.consensus.close();
    const b = await openLocation({ blob: `sqlite://${path}`, consensus: `sqlite://${path}` });
    expect(await b.blob.get('k')).toEqual(new Uint8Array([9]));
    expect(await b.consensus.listKeys()).toEqual(['s']);
    await b.blob.close();
    await b.consensus.close();
  });

  it('rejects bad URIs naming the URI and what is wrong', async () => {
    const m = 'mem://x';
    await invalid({ blob: 'ftp://host/x', consensus: m }, /ftp:\/\/host\/x.*unknown scheme ftp/);
    await invalid({ blob: 'postgres://h/db', consensus: m }, /postgres:\/\/ cannot hold blob/);
    await invalid({ blob: m, consensus: 'file:///tmp/x' }, /file:\/\/ cannot hold consensus/);
    await invalid({ blob: m, consensus: 's3://bucket/x' }, /s3:\/\/ cannot hold consensus/);
    await invalid({ blob: 'file://relative/dir', consensus: m }, /must be absolute/);
    await invalid({ blob: m, consensus: 'sqlite://data.sqlite' }, /must be absolute/);
    await invalid({ blob: m, consensus: 'sqlite:data.sqlite' }, /scheme:\/\//);
    await invalid({ blob: 'mem://', consensus: m }, /needs a name/);
    await invalid({ blob: 's3:///prefix', consensus: m }, /missing bucket/);
    await invalid({ blob: 's3://Bad_Bucket/p', consensus: m }, /not a valid S3 bucket name/);
    await invalid({ blob: 's3://bucket/p?endpoint=ftp://x', consensus: m }, /endpoint must be an http/);
    await invalid({ blob: 's3://bucket/p?color=red', consensus: m }, /unknown parameter color/);
    await invalid({ blob: m, consensus: 'sqlite:///tmp/x.sqlite?sync=1' }, /unknown parameter sync/);
    await invalid({ blob: m, consensus: 'sqlite:///tmp/x.sqlite?synchronous=sometimes' }, /synchronous must be/);
    await invalid({ blob: '', consensus: m }, /non-empty/);
    await invalid({ blob: m, consensus: 'postgres:///db' }, /missing host/);
    const err = await openLocation({ blob: m, consensus: 'postgres://user:hunter2@/db' }).catch((e) => e);
    expect(err.message).not.toMatch(/hunter2/);
    await expect(openLocation(null as unknown as { blob: string; consensus: string })).rejects.toBeInstanceOf(InvalidUsageError);
  });

  it('closes the consensus it opened when the blob fails to open', async () => {
    const path = join(tmp.dir, 'half.sqlite');
    const err = await openLocation({ blob: `file://${path}/../half.sqlite`, consensus: `sqlite://${path}` }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidUsageError);
  });
});

describe('URI parsing', () => {
  it('local paths decode percent escapes', () => {
    expect(parseLocalPathUri('sqlite:///tmp/a%20b/x.sqlite').path).toBe('/tmp/a b/x.sqlite');
    expect(parseLocalPathUri('file://localhost/tmp/d').path).toBe('/tmp/d');
  });

  it('s3 URIs give bucket, prefix, endpoint and region', () => {
    expect(parseS3Uri('s3://my-bucket/some/prefix/?endpoint=http://127.0.0.1:9000&region=eu-west-1')).toEqual({
      bucket: 'my-bucket',
      prefix: 'some/prefix',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
    });
    expect(parseS3Uri('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
  });

  it('s3 credentials are explicit keys in the URI, or the default chain', () => {
    expect(parseS3Uri('s3://AKIA1:s%2Fcret@my-bucket/p').credentials).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's/cret' });
    expect(parseS3Uri('s3://my-bucket/p?credentials=default').credentials).toBeUndefined();
    expect(() => parseS3Uri('s3://AKIA1@my-bucket/p')).toThrow(/both parts/);
    expect(() => parseS3Uri('s3://a:b@my-bucket/p?credentials=default')).toThrow(/not both/);
    expect(() => parseS3Uri('s3://my-bucket/p?credentials=env')).toThrow(/credentials= may only be default/);
  });

  it('a missing half of a location fails open naming its endpoint; the other half is closed again', async () => {
    const pgUri = process.env.SHARDSCOPE_TEST_PG_URI ?? inject('pgUri');
    const err = await openLocation({ blob: 's3://shardscope-test/p?endpoint=http://127.0.0.1:1&region=us-east-1', consensus: pgUri }).catch((e) => e);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.message).toMatch(/127\.0\.0\.1:1/);
  });
});
