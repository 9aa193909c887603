// Starting the two hosts for the specs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export interface WebHost {
  url: string;
  origin: string;
  token: string;
  sandboxFile: string;
  /** the host's process, for the check that the fixtures stop it */
  pid: number;
  stop(): Promise<void>;
}

/** `npm run serve` on a fresh sandbox, port 0; resolves with the printed URL. */
export function startWebHost(sandboxFile: string, extraArgs: string[] = []): Promise<WebHost> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'main/web/serve.ts'), '--port', '0', '--sandbox', sandboxFile, ...extraArgs],
    { cwd: root, env: {
        ...process.env,
        SHARDSCOPE_SKIP_BUILD: '1',
        // leaked-blob cleanup spares parts younger than this (10 min in the product; short for the specs)
        SHARDSCOPE_LEAKED_MIN_AGE_MS: process.env.SHARDSCOPE_LEAKED_MIN_AGE_MS ?? '3000',
      }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // a host that never came up must not outlive the run
      reject(new Error(`the web host did not print its URL in 30 s:\n${log}`));
    }, 30_000);
    child.stderr!.on('data', (d) => (log += String(d)));
    child.on('exit', (code) => reject(new Error(`the web host exited with ${code}:\n${log}`)));
    child.stdout!.on('data', (d) => {
      log += String(d);
      const m = /Shardscope is serving (http:\/\/127\.0\.0\.1:\d+\/\?token=(\S+))/.exec(log);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1];
      resolve({
        url,
        origin: new URL(url).origin,
        token: m[2],
        sandboxFile,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}

/** The Electron executable, or why there is none. Never triggers the electron package's download. */
export function electronBinary(): { path: string } | { reason: string } {
  if (process.env.SHARDSCOPE_ELECTRON_PATH) {
    const p = process.env.SHARDSCOPE_ELECTRON_PATH;
    return existsSync(p) ? { path: p } : { reason: `SHARDSCOPE_ELECTRON_PATH=${p} does not exist` };
  }
  const dir = join(root, 'node_modules', 'electron');
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) {
    return {
      reason:
        'no Electron binary: node_modules/electron/path.txt is missing (installed with ELECTRON_SKIP_BINARY_DOWNLOAD, or the download is blocked). ' +
        'Install the binary (npx install-electron) or set SHARDSCOPE_ELECTRON_PATH to run the electron project.',
    };
  }
  const exe = process.env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, readFileSync(pathTxt, 'utf8'))
    : join(dir, 'dist', readFileSync(pathTxt, 'utf8'));
  return existsSync(exe) ? { path: exe } : { reason: `no Electron binary at ${exe}` };
}

export const appRoot = root;
