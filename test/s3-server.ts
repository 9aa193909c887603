// A throwaway s3rver on 127.0.0.1 with one bucket. It can be stopped and started again on the same
// port and directory, as a restarting S3 endpoint would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const S3_BUCKET = 'shardscope-test';

export interface S3Server {
  readonly uri: string;
  readonly endpoint: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): void;
}

export async function startS3rver(): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-s3-'));
  const bin = join(import.meta.dirname, '..', 'node_modules', 's3rver', 'bin', 's3rver.js');
  let child: ChildProcess | null = null;
  let port = 0;
  const launch = async (): Promise<number> => {
    // s3rver signs list continuation tokens with a cipher newer OpenSSL only has in the legacy provider.
    const c = spawn(
      process.execPath,
      ['--openssl-legacy-provider', bin, '-s', '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', S3_BUCKET, '--no-vhost-buckets'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    const p = await new Promise<number>((resolve, reject) => {
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
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.on('exit', (code) => reject(new Error(`s3rver exited with ${code}:\n${out}`)));
    });
    // Keep draining so a chatty server never blocks on a full pipe.
    c.stdout!.resume();
    c.stderr!.resume();
    return p;
  };
  port = await launch();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  const server: S3Server = {
    uri: `s3://${S3_BUCKET}/run?endpoint=${endpoint}&region=us-east-1`,
    endpoint,
    async stopServer() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async startServer() {
      await launch();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  process.once('exit', () => server.stop());
  return server;
}
