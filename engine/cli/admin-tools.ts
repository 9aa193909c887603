// CLI commands for the operator tools: health (exit code 1 on an error-level finding, for
// monitoring), diff over time, since what-if, copying a shard home and saving a sandbox copy.
import { Option, type Command } from 'commander';
import { PersistClient } from '../client.js';
import { fmt } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { existsSync } from 'node:fs';
import { copyShardToNewSandbox, saveSandboxCopy, type CopyResult } from '../admin/copy.js';
import type { Finding, HealthOptions } from '../admin/health.js';
import { table } from './table.js';

interface LocationOpts {
  sandbox?: string;
  blob?: string;
  consensus?: string;
  json?: boolean;
}

export interface CliContext {
  locationOptions(cmd: Command): Command;
  withClient(o: LocationOpts, f: (c: PersistClient) => Promise<void>): Promise<void>;
  print(o: LocationOpts, json: unknown, text: () => string): void;
  out(s: string): void;
  setExitCode(code: number): void;
}

const int = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidUsageError('InvalidArgument', `${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
};

const findingRows = (fs: Finding[]) =>
  fs.map((f) => ({
    severity: f.severity,
    shard: f.shard ?? '(location)',
    kind: f.kind,
    finding: f.summary,
    action: f.action ? actionText(f) : '-',
  }));

function actionText(f: Finding): string {
  const a = f.action!;
  switch (a.kind) {
    case 'expire-reader':
      return `admin expire-reader ${a.shard} ${a.readerId} --commit`;
    case 'expire-writer':
      return `admin expire-writer ${a.shard} ${a.writerId} --commit`;
    case 'force-compaction':
      return `admin force-compaction ${a.shard} --commit`;
    case 'force-gc':
      return `admin force-gc ${a.shard} --commit`;
    case 'finalize':
      return `admin finalize ${a.shard} --commit`;
    case 'delete-unreferenced-blobs':
      return `delete ${a.keys.length} unreferenced blob(s) (the app's Storage tab)`;
  }
}

export function registerAdminTools(program: Command, inspect: Command, ctx: CliContext): void {
  const { locationOptions, withClient, print } = ctx;

  locationOptions(inspect.command('health').argument('[shard]').description('what is wrong, why, who is to blame and what to do (exit 1 on an error)'))
    .option('--deep', 'also compare stored updates with a consolidated read (reads the data)')
    .option('--stall-ms <ms>', 'an upper not moving this long while writers hold leases is stalled', int('--stall-ms'))
    .option('--since-lag <t>', 'a since this far behind the upper is held back', int('--since-lag'))
    .option('--no-leaked-blobs', 'skip listing blobs for leaked ones')
    .action(async (shard: string | undefined, o: LocationOpts & { deep?: boolean; stallMs?: number; sinceLag?: number; leakedBlobs?: boolean }) =>
      withClient(o, async (c) => {
        const opts: HealthOptions = { deep: o.deep === true, leakedBlobs: o.leakedBlobs !== false };
        if (o.stallMs !== undefined) opts.upperStallMs = o.stallMs;
        if (o.sinceLag !== undefined) opts.sinceLag = o.sinceLag;
        if (shard !== undefined) {
          const h = await c.admin.health(shard, opts);
          print(o, h, () => (h.findings.length ? table(findingRows(h.findings)) : `${h.shard}: healthy`));
          if (h.severity === 'error') ctx.setExitCode(1);
          return;
        }
        const h = await c.admin.locationHealth(opts);
        const all = [...h.location, ...h.shards.flatMap((s) => s.findings)];
        print(o, h, () =>
          [
            `${h.shards.length} shard(s): ${h.counts.error} error(s), ${h.counts.warning} warning(s), ${h.counts.info} note(s)`,
            all.length ? table(findingRows(all)) : 'healthy',
          ].join('\n'),
        );
        if (h.counts.error > 0) ctx.setExitCode(1);
      }),
    );

  locationOptions(inspect.command('diff').argument('<shard>').description('consolidated updates with times in (FROM, TO]: rows added and removed'))
    .requiredOption('--from <t>', 'exclusive start time', int('--from'))
    .requiredOption('--to <t>', 'inclusive end time', int('--to'))
    .option('--filter <text>', 'only rows whose key or value contains this')
    .option('--limit <n>', 'rows to print (counts cover all)', int('--limit'), 1000)
    .action(async (shard: string, o: LocationOpts & { from: number; to: number; filter?: string; limit: number }) =>
      withClient(o, async (c) => {
        const d = await c.admin.diff(shard, { from: o.from, to: o.to, filter: o.filter, limit: o.limit });
        const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
        print(o, d, () =>
          [
            `(${d.from}, ${d.to}]: ${d.addedRows} row(s) added (${d.added}), ${d.removedRows} removed (${d.removed})${d.truncated ? `; first ${d.rows.length} shown` : ''}`,
            table(d.rows.map((r) => ({ change: r.diff > 0 ? `+${r.diff}` : String(r.diff), key: show(r.key), val: show(r.val) }))),
          ].join('\n'),
        );
      }),
    );

  locationOptions(inspect.command('what-if').argument('<shard>').description('what compaction would leave with the since at T, and which reads would be lost'))
    .requiredOption('--since <t>', 'the candidate since', int('--since'))
    .action(async (shard: string, o: LocationOpts & { since: number }) =>
      withClient(o, async (c) => {
        const w = await c.admin.sinceWhatIf(shard, o.since);
        print(o, w, () =>
          [
            `now:   since ${fmt(w.current.since)}, ${w.current.batches} batches, ${w.current.rows} updates, ${w.current.bytes} bytes`,
            `since [${w.since}]: ${w.after.batches} batches, ${w.after.rows} updates, ${w.after.bytes} bytes after a forced compaction`,
            w.lostAsOf ? `reads as of ${w.lostAsOf.from}..${w.lostAsOf.to - 1} would no longer be possible` : 'no read would be lost',
            ...w.readersBehind.map((r) => `reader ${r.id} (${r.purpose}) is at since ${fmt(r.since)}: the since cannot pass it`),
          ].join('\n'),
        );
      }),
    );

  program
    .command('copy')
    .argument('<shard>')
    .description('copy a shard (consolidated at an as_of, with its codecs and name) into a local sandbox; the source is only read')
    .addOption(new Option('--from-sandbox <path>', 'the source sandbox').conflicts(['fromBlob', 'fromConsensus']))
    .option('--from-blob <uri>', 'the source blob location (with --from-consensus)')
    .option('--from-consensus <uri>', 'the source consensus location (with --from-blob)')
    .requiredOption('--to-sandbox <path>', 'the sandbox to copy into (a new file appears only once the copy is whole)')
    .option('--as-of <t>', 'default: the latest readable time', int('--as-of'))
    .option('--to-shard <id>', 'the shard id in the destination (default: the same)')
    .option('--json', 'print JSON')
    .action(async (shard: string, o: { fromSandbox?: string; fromBlob?: string; fromConsensus?: string; toSandbox: string; asOf?: number; toShard?: string; json?: boolean }) => {
      // The source client never compacts: it only reads.
      const config = { compactionEnabled: false };
      let src: PersistClient;
      if (o.fromSandbox) src = await PersistClient.openSandbox(o.fromSandbox, config);
      else if (o.fromBlob && o.fromConsensus) src = await PersistClient.open({ blob: o.fromBlob, consensus: o.fromConsensus }, config);
      else throw new InvalidUsageError('InvalidLocation', 'give the source: --from-sandbox PATH, or --from-blob URI and --from-consensus URI');
      // Ctrl-C stops the copy cleanly: nothing is appended in the destination, and a new sandbox
      // file (built beside and linked into place when whole) is not left half-written.
      const abort = new AbortController();
      const onInterrupt = () => abort.abort();
      process.once('SIGINT', onInterrupt);
      const opts = { asOf: o.asOf, toShard: o.toShard, signal: abort.signal };
      try {
        let r: CopyResult;
        if (!existsSync(o.toSandbox)) {
          r = await copyShardToNewSandbox(src, shard, o.toSandbox, (path) => PersistClient.openSandbox(path), opts);
        } else {
          const dest = await PersistClient.openSandbox(o.toSandbox);
          try {
            r = await src.admin.copyShard(shard, dest, opts);
          } finally {
            await dest.close();
          }
        }
        print(o, r, () => `copied ${r.rows} rows of ${r.shard}${r.name ? ` (${r.name})` : ''} as of ${r.asOf} into ${o.toSandbox}${r.toShard !== r.shard ? ` as ${r.toShard}` : ''}`);
      } finally {
        process.off('SIGINT', onInterrupt);
        await src.close();
      }
    });

  program
    .command('save-sandbox-copy')
    .description('save a copy of a sandbox as one file (SQLite online backup; safe while it is in use)')
    .requiredOption('--sandbox <path>', 'the sandbox')
    .requiredOption('--to <path>', 'the new file')
    .option('--json', 'print JSON')
    .action(async (o: { sandbox: string; to: string; json?: boolean }) => {
      const r = await saveSandboxCopy(o.sandbox, o.to);
      print(o, r, () => `saved ${o.sandbox} to ${r.path} (${r.totalPages} pages)`);
    });
}
