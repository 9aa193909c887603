// Where a location named in a request may come from. The host's own default (chosen at start by
// whoever started it) is always allowed; anything a request names passes a policy first:
//   desktop: sandbox files only as the system file dialog returned them (or from recents/profiles),
//            never a path typed into an IPC request alone;
//   web:     only existing sandbox files under the folders given at start, no creation unless
//            --allow-create, endpoints on loopback unless --allow-remote, and never the host's
//            ambient credentials (PGPASSWORD, ~/.pgpass, AWS_* env, ~/.aws) for a typed endpoint.
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { RecentTarget } from './host/recents.js';
import { AppError } from './router/errors.js';

/** Where the request's location came from: typed into the request, picked from recents, or a saved profile. */
export type TargetSource = 'request' | 'recent' | 'profile';

export interface LocationPolicy {
  /** The target to open, or an AppError saying why not and what to do instead. */
  admit(target: RecentTarget, source: TargetSource): RecentTarget;
}

const refuse = (message: string): AppError => new AppError('BadRequest', message);

// ---- desktop ------------------------------------------------------------------------------------

/** Desktop: a sandbox path is opened only if the file dialog returned it in this run (or it is a recent). */
export class DesktopLocationPolicy implements LocationPolicy {
  private readonly picked = new Set<string>();

  /** Called with each path the system file dialog returned. */
  notePicked(path: string): void {
    this.picked.add(path);
  }

  admit(target: RecentTarget, source: TargetSource): RecentTarget {
    if (target.kind === 'sandbox' && source === 'request' && !this.picked.has(target.path)) {
      throw refuse('the desktop app opens sandbox files chosen in the file dialog: use "Open file…" to choose it');
    }
    return target;
  }
}

// ---- web ------------------------------------------------------------------------------------------

export interface WebPolicyOptions {
  /** folders whose existing sandbox files a request may open (the --sandbox file's folder, --allow-dir) */
  allowDirs: string[];
  /** --allow-create: a request may create a new sandbox file (in an existing allowed folder) */
  allowCreate: boolean;
  /** --allow-remote: typed endpoints may be on other machines (still with their own credentials) */
  allowRemote: boolean;
  /**
   * Hook for profiles the host was started with (--profiles FILE, main/host/profiles*): a target a
   * profile defines was configured by the operator, so it skips the typed-endpoint rules.
   */
  isProfileTarget?: (t: RecentTarget) => boolean;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function realDir(dir: string): string | null {
  try {
    return realpathSync(dir);
  } catch {
    return null;
  }
}

function inside(dir: string, file: string): boolean {
  const r = relative(dir, file);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) && !r.split(sep).includes('..');
}

/** Reads the 16-byte SQLite header: a file that is not SQLite is never converted into a sandbox. */
function isSqliteFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_MAGIC);
  } finally {
    closeSync(fd);
  }
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
// PostgreSQL parameters that read local files or redirect the connection elsewhere than the URI's host.
const PG_REFUSED = ['host', 'hostaddr', 'passfile', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl', 'service', 'servicefile'];

export class WebLocationPolicy implements LocationPolicy {
  private readonly dirs: string[];

  constructor(private readonly opts: WebPolicyOptions) {
    this.dirs = opts.allowDirs.map(realDir).filter((d): d is string => d !== null);
  }

  admit(target: RecentTarget, source: TargetSource): RecentTarget {
    if (this.opts.isProfileTarget?.(target)) return target;
    // A profile's endpoints carry the profile's own credentials (or its explicit choice of the
    // default chain): only where they may be is checked.
    if (source === 'profile' && target.kind === 'uri') {
      for (const [uri, role] of [[target.consensus, 'consensus'], [target.blob, 'blob']] as const) {
        const url = URL.canParse(uri) ? new URL(uri) : null;
        const endpoint = url?.protocol === 's3:' ? url.searchParams.get('endpoint') : url?.hostname;
        if (endpoint) this.checkHost(url?.protocol === 's3:' ? (URL.canParse(endpoint) ? new URL(endpoint).hostname : '') : endpoint, role);
        else if (url?.protocol === 's3:') this.checkHost('s3.amazonaws.com', role);
      }
      return target;
    }
    if (target.kind === 'sandbox') return { kind: 'sandbox', path: this.admitSandbox(target.path) };
    this.admitEndpoint(target.consensus, 'consensus');
    this.admitEndpoint(target.blob, 'blob');
    return target;
  }

  private folders(): string {
    return this.dirs.length ? this.dirs.join(', ') : '(none: start the host with --allow-dir DIR)';
  }

  /** The real path to open; symlinks are resolved before the folder check, so none leads outside. */
  private admitSandbox(path: string): string {
    if (!isAbsolute(path)) throw refuse(`the sandbox path must be absolute, e.g. /home/me/shards.sqlite (got "${path}")`);
    let real: string;
    let exists = true;
    try {
      real = realpathSync(path);
    } catch {
      exists = false;
      const parent = realDir(dirname(path));
      if (!parent) throw refuse(`no folder ${dirname(path)}; this host creates no folders`);
      real = join(parent, basename(path));
    }
    if (!this.dirs.some((d) => inside(d, real))) {
      throw refuse(`this web host opens sandbox files only under ${this.folders()}; restart it with --allow-dir to add a folder`);
    }
    if (!exists) {
      if (!this.opts.allowCreate) throw refuse(`no sandbox file ${path}; this web host creates none (start it with --allow-create to allow that)`);
      return real;
    }
    const info = statSync(real);
    if (!info.isFile()) throw refuse(`${path} is not a file`);
    if (!isSqliteFile(real)) throw refuse(`${path} is not a SQLite sandbox file (${info.size} bytes, no SQLite header); it is left as it is`);
    return real;
  }

  private admitEndpoint(uri: string, role: 'blob' | 'consensus'): void {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() ?? '';
    if (scheme === 'mem') return;
    if (scheme === 'sqlite' || scheme === 'file') {
      throw refuse(`${role}: this web host opens local files only as sandbox files (kind "sandbox") under ${this.folders()}`);
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return; // the engine explains what is wrong with it
    }
    if (scheme === 'postgres' || scheme === 'postgresql') {
      const bad = PG_REFUSED.filter((k) => url.searchParams.has(k));
      if (bad.length) throw refuse(`${role}: the parameter ${bad.join(', ')} is not accepted in a location typed in a request`);
      this.checkHost(url.hostname, role);
      if (!url.password && !url.searchParams.get('password')) {
        throw refuse(`${role}: give the password in the URI (postgres://user:password@host/db); this host does not send its own credentials (PGPASSWORD, ~/.pgpass) to an endpoint named in a request`);
      }
    } else if (scheme === 's3') {
      const endpoint = url.searchParams.get('endpoint');
      let e: URL | null = null;
      try {
        e = endpoint ? new URL(endpoint) : null;
      } catch {
        return; // the engine explains
      }
      if (!e) throw refuse(`${role}: give an endpoint with its own credentials (s3://bucket/prefix?endpoint=http://KEY:SECRET@host:port), or start the host with a profile`);
      this.checkHost(e.hostname, role);
      if (!e.username || !e.password) {
        throw refuse(`${role}: give the endpoint's credentials (endpoint=http://KEY:SECRET@host:port); this host does not send its own AWS credentials to an endpoint named in a request`);
      }
    }
  }

  private checkHost(hostname: string, role: string): void {
    if (!this.opts.allowRemote && !LOOPBACK.test(hostname)) {
      throw refuse(`${role}: this web host connects only to endpoints on this machine (127.0.0.1, localhost); start it with --allow-remote to allow ${hostname || 'that host'}`);
    }
  }
}
