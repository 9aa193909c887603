// Starts the real servers the location tests need, once per test run: a PostgreSQL in a fresh
// temporary data directory (see pg-server.ts for which binaries) and an s3rver with one bucket,
// both on 127.0.0.1 only. Tests find them through SHARDSCOPE_TEST_PG_URI and SHARDSCOPE_TEST_S3_URI
// (also `inject`ed). Set either variable beforehand to use a server of your own instead.
import { startPostgres } from './pg-server.js';
import { startS3rver } from './s3-server.js';

export { S3_BUCKET } from './s3-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUri: string;
    s3Uri: string;
  }
}

interface Project {
  provide(key: 'pgUri' | 's3Uri', value: string): void;
}

export default async function setup(project: Project): Promise<() => Promise<void>> {
  const stops: (() => void)[] = [];
  const teardown = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        stop();
      } catch (e) {
        console.error('stopping a test server failed:', e);
      }
    }
  };
  try {
    const [pg, s3] = await Promise.all([
      process.env.SHARDSCOPE_TEST_PG_URI ? null : startPostgres().then((s) => (stops.push(s.stop), s)),
      process.env.SHARDSCOPE_TEST_S3_URI ? null : startS3rver().then((s) => (stops.push(s.stop), s)),
    ]);
    if (pg) process.env.SHARDSCOPE_TEST_PG_URI = pg.uri;
    if (s3) {
      process.env.SHARDSCOPE_TEST_S3_URI = s3.uri;
      // s3rver's fixed credentials, found by the AWS default chain in the test workers.
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
      process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
      delete process.env.AWS_SESSION_TOKEN;
      // The SDK's notice about future Node versions is noise in test output.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      delete process.env.AWS_PROFILE;
    }
    project.provide('pgUri', process.env.SHARDSCOPE_TEST_PG_URI!);
    project.provide('s3Uri', process.env.SHARDSCOPE_TEST_S3_URI!);
  } catch (e) {
    await teardown();
    throw e;
  }
  return teardown;
}
