// `npm run serve -- [--port N] [--sandbox PATH | --blob URI --consensus URI] [--no-demo]
//                  [--allow-dir DIR]... [--allow-create] [--allow-remote] [--profiles FILE]`
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RecentTarget } from '../host/recents.js';

export interface ServeArgs {
  port: number;
  location: RecentTarget;
  chosenByUser: boolean;
  demo: boolean;
  userData: string;
  /** folders whose sandbox files a request may open: the --sandbox file's folder and every --allow-dir */
  allowDirs: string[];
  allowCreate: boolean;
  allowRemote: boolean;
  /** --profiles FILE: profiles and their secrets kept in FILE (mode 0600); else secrets in memory only */
  profilesFile: string | null;
}

export const DEFAULT_PORT = 7420;

/** The same folder Electron uses as userData for an app named "shardscope". */
export function userDataDir(): string {
  if (process.env.SHARDSCOPE_USER_DATA) return process.env.SHARDSCOPE_USER_DATA;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'shardscope');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'shardscope');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'shardscope');
}

export const USAGE =
  'usage: npm run serve -- [--port N] [--sandbox PATH | --blob URI --consensus URI] [--no-demo] [--allow-dir DIR]... [--allow-create] [--allow-remote] [--profiles FILE]';

export function parseServeArgs(argv: string[]): ServeArgs {
  let port = DEFAULT_PORT;
  let sandbox: string | null = null;
  let blob: string | null = null;
  let consensus: string | null = null;
  let demo = true;
  const allowDirs: string[] = [];
  let allowCreate = false;
  let allowRemote = false;
  let profilesFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--port') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0..65535 (0 = any free port)\n${USAGE}`);
      port = n;
    } else if (a === '--sandbox') sandbox = resolve(value());
    else if (a === '--blob') blob = value();
    else if (a === '--consensus') consensus = value();
    else if (a === '--no-demo') demo = false;
    else if (a === '--allow-dir') allowDirs.push(resolve(value()));
    else if (a === '--allow-create') allowCreate = true;
    else if (a === '--allow-remote') allowRemote = true;
    else if (a === '--profiles') profilesFile = resolve(value());
    else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (sandbox && (blob || consensus)) throw new Error(`give either --sandbox or --blob with --consensus, not both\n${USAGE}`);
  if (!!blob !== !!consensus) throw new Error(`--blob and --consensus go together\n${USAGE}`);
  const userData = userDataDir();
  const policy = { allowCreate, allowRemote, profilesFile };
  if (blob && consensus) return { port, location: { kind: 'uri', blob, consensus }, chosenByUser: true, demo: false, userData, allowDirs, ...policy };
  if (sandbox) {
    return { port, location: { kind: 'sandbox', path: sandbox }, chosenByUser: true, demo, userData, allowDirs: [dirname(sandbox), ...allowDirs], ...policy };
  }
  return { port, location: { kind: 'sandbox', path: join(userData, 'sandbox.sqlite') }, chosenByUser: false, demo, userData, allowDirs, ...policy };
}
