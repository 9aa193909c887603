// Starts the real servers the location tests need, once per test run: a PostgreSQL 15 in a fresh
// temporary data directory and an s3rver with one bucket, both on 127.0.0.1 only. Tests find them
// through SHARDSCOPE_TEST_PG_URI and SHARDSCOPE_TEST_S3_URI (also `inject`ed). Set either variable
// beforehand to use a server of your own instead.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUri: string;
    s3Uri: string;
  }
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
export const S3_BUCKET = 'shardscope-test';

interface Project {
  provide(key: 'pgUri' | 's3Uri', value: string): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

/** initdb and postgres refuse to run as root; as root, run them as the postgres OS user. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  const exe = join(PG_BIN, bin);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

function runPg(bin: string, args: string[]): void {
  const [cmd, argv] = pgCommand(bin, args);
  try {
    execFileSync(cmd, argv, { stdio: 'pipe', timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`${bin} failed: ${err.message}\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
  }
}

async function startPostgres(): Promise<{ uri: string; stop: () => void }> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(
      `PostgreSQL 15 is not installed (${PG_BIN}/initdb is missing). Install the Debian package: ` +
        `apt-get install -y postgresql (or run scripts/install-system-deps.sh).`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  runPg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  // Durability is irrelevant for a throwaway test server; speed is not.
  const serverOpts = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${dir}`,
    `-c fsync=off`,
    `-c synchronous_commit=off`,
    `-c full_page_writes=off`,
    `-c max_connections=200`,
  ].join(' ');
  runPg('pg_ctl', ['-D', data, '-o', serverOpts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      runPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', stop);
  return { uri: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

async function startS3rver(): Promise<{ uri: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-s3-'));
  const bin = join(import.meta.dirname, '..', 'node_modules', 's3rver', 'bin', 's3rver.js');
  // s3rver signs list continuation tokens with a cipher newer OpenSSL only has in the legacy provider.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', bin, '-s', '-d', dir, '-a', '127.0.0.1', '-p', '0', '--configure-bucket', S3_BUCKET, '--no-vhost-buckets'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^:\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`s3rver exited with ${code}:\n${out}`)));
  });
  // Keep draining so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return { uri: `s3://${S3_BUCKET}/run?endpoint=http://127.0.0.1:${port}&region=us-east-1`, stop };
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
