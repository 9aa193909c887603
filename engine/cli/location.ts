// How a CLI command names its location (--sandbox, or --blob with --consensus) and opens it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { PersistClient } from '../client.js';
import { InvalidUsageError } from '../errors.js';

export interface LocationOpts {
  sandbox?: string;
  blob?: string;
  consensus?: string;
  json?: boolean;
}

export function locationOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--sandbox <path>', 'a sandbox SQLite file (consensus and blob)').conflicts(['blob', 'consensus']))
    .option('--blob <uri>', 'blob location URI (with --consensus)')
    .option('--consensus <uri>', 'consensus location URI (with --blob)')
    .option('--json', 'print JSON instead of tables');
}

/** The CLI reads and operates existing locations: a mistyped path must not leave a new empty sandbox behind. */
function mustExist(path: string, what: string): void {
  if (!existsSync(path)) throw new InvalidUsageError('InvalidLocation', `no ${what} at ${path}; the CLI opens existing locations only (check the path)`);
}

function localPath(uri: string): string | null {
  const m = /^(sqlite|file):\/\/([^?#]*)/i.exec(uri);
  if (!m) return null;
  try {
    return fileURLToPath(`file://${m[2]}`);
  } catch {
    return null; // the engine explains what is wrong with the URI
  }
}

/** `create`: a command that writes data (write, import) may start a new sandbox file; reads never do. */
export async function openClient(o: LocationOpts, opts: { create?: boolean } = {}): Promise<PersistClient> {
  // A CLI invocation must not start background compaction in the location it inspects.
  const config = { compactionEnabled: false };
  if (o.sandbox) {
    if (!opts.create) mustExist(o.sandbox, 'sandbox file');
    return PersistClient.openSandbox(o.sandbox, config);
  }
  if (o.blob && o.consensus) {
    for (const [uri, what] of [[o.consensus, 'consensus'], [o.blob, 'blob']] as const) {
      const p = localPath(uri);
      if (p) mustExist(p, `${what} location`);
    }
    return PersistClient.open({ blob: o.blob, consensus: o.consensus }, config);
  }
  throw new InvalidUsageError('InvalidLocation', 'give a location: --sandbox PATH, or --blob URI and --consensus URI');
}
