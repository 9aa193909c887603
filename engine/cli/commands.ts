// The CLI's commands. Each opens the location, does one thing, prints it, and closes.
import { Command } from 'commander';
import { PersistClient } from '../client.js';
import { fmt } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { table } from './table.js';
import { dataCommands } from './data-commands.js';
import { registerAdminTools } from './admin-tools.js';
import { locationOptions, openClient, type LocationOpts } from './location.js';

type Out = (s: string) => void;

async function withClient(o: LocationOpts, f: (c: PersistClient) => Promise<void>): Promise<void> {
  const c = await openClient(o);
  try {
    await f(c);
  } finally {
    await c.close();
  }
}

export async function run(program: Command, argv: string[], out: Out = (s) => process.stdout.write(s + '\n')): Promise<number> {
  const print = (o: LocationOpts, json: unknown, text: () => string): void => out(o.json ? JSON.stringify(json, null, 2) : text());
  program.name('shardscope').description('Inspect and operate persist shards').showHelpAfterError();

  const inspect = program.command('inspect').description('read-only views of shards and blobs');
  locationOptions(inspect.command('shards').description('list the shards of a location')).action(async (o: LocationOpts) =>
    withClient(o, async (c) => {
      const rows = await Promise.all(
        (await c.listShards()).map(async (id) => {
          const s = await c.inspectShard(id);
          return { id, name: s.name, since: fmt(s.since), upper: fmt(s.upper), batches: s.batches.length, updates: s.stats.updates, bytes: s.stats.bytes };
        }),
      );
      print(o, rows, () => table(rows));
    }),
  );
  locationOptions(inspect.command('state').argument('<shard>').description("a shard's state (the ShardInspection)"))
    .option('--seqno <n>', 'a retained version instead of the latest', (v) => Number(v))
    .action(async (shard: string, o: LocationOpts & { seqno?: number }) =>
      withClient(o, async (c) => {
        const s = await c.inspectShard(shard, o.seqno === undefined ? undefined : { seqno: o.seqno });
        print(o, s, () =>
          [
            `shard ${s.shardId}${s.name ? ` (${s.name})` : ''} at seqno ${s.seqno}`,
            `since ${fmt(s.since)}  upper ${fmt(s.upper)}  codecs ${s.codecs.key}/${s.codecs.val}`,
            `${s.stats.updates} updates in ${s.batches.length} batches, ${s.stats.parts} parts, ${s.stats.bytes} bytes; seqnoSince ${s.stats.seqnoSince}`,
            '',
            'batches:',
            table(s.batches.map((b) => ({ lower: fmt(b.lower), upper: fmt(b.upper), since: fmt(b.since), len: b.len, level: b.level, parts: b.parts.length, bytes: b.parts.reduce((n, p) => n + p.encodedSizeBytes, 0) }))),
            '',
            'leased readers:',
            table(s.leasedReaders.map((r) => ({ id: r.id, purpose: r.purpose, host: r.hostname, since: fmt(r.since), seqno: r.seqno, lastHeartbeat: new Date(r.lastHeartbeatMs).toISOString() }))),
            'critical readers:',
            table(s.criticalReaders.map((r) => ({ id: r.id, purpose: r.purpose, since: fmt(r.since), opaque: r.opaque }))),
            'writers:',
            table(s.writers.map((w) => ({ id: w.id, purpose: w.purpose, host: w.hostname, lastHeartbeat: new Date(w.lastHeartbeatMs).toISOString() }))),
          ].join('\n'),
        );
      }),
    );
  locationOptions(inspect.command('history').argument('<shard>').description('every retained version and what changed in it')).action(
    async (shard: string, o: LocationOpts) =>
      withClient(o, async (c) => {
        const changes = (await c.admin.history(shard, { limit: 10_000 })).reverse();
        print(o, changes, () =>
          table(changes.map((ch) => ({ seqno: ch.toSeqno, time: new Date(ch.walltimeMs).toISOString(), change: ch.summary }))),
        );
      }),
  );
  locationOptions(inspect.command('blob-usage').argument('[shard]').description('blob bytes per shard')).action(
    async (shard: string | undefined, o: LocationOpts) =>
      withClient(o, async (c) => {
        const rows = await c.admin.blobUsage(shard);
        print(o, rows, () => table(rows));
      }),
  );
  locationOptions(inspect.command('consolidated-size').argument('<shard>').description('stored vs consolidated update counts')).action(
    async (shard: string, o: LocationOpts) =>
      withClient(o, async (c) => {
        const r = await c.admin.consolidatedSize(shard);
        print(o, r, () => `${r.updates} updates stored; ${r.consolidatedUpdates} after consolidation at ${r.asOf === null ? '(nothing readable)' : `[${r.asOf}]`}`);
      }),
  );
  locationOptions(inspect.command('unreferenced-blobs').description('blobs no retained version of any shard references')).action(
    async (o: LocationOpts) =>
      withClient(o, async (c) => {
        const info = await c.admin.unreferencedBlobInfo();
        // JSON stays the list of keys scripts already read; the text says what each one is.
        const rows = info.map((b) => ({ key: b.key, kind: b.kind, created: b.createdMs === null ? '' : new Date(b.createdMs).toISOString(), bytes: b.sizeBytes }));
        print(o, info.map((b) => b.key), () => (rows.length ? `${table(rows)}\n${rows.length} blobs, ${info.reduce((n, b) => n + b.sizeBytes, 0)} bytes` : 'no unreferenced blobs'));
      }),
  );

  let exitCode = 0;
  registerAdminTools(program, inspect, { locationOptions, withClient, print, out, setExitCode: (c) => void (exitCode = c) });

  const admin = program.command('admin').description('operations that change a shard (dry run unless --commit)');
  const adminCmd = (name: string, desc: string, args: string[]) => {
    const cmd = admin.command(name).description(desc);
    for (const a of args) cmd.argument(`<${a}>`);
    return locationOptions(cmd).option('--commit', 'do it (without this, only say what would happen)');
  };
  adminCmd('force-compaction', 'merge every batch that can be merged now', ['shard']).action(
    async (shard: string, o: LocationOpts & { commit?: boolean }) =>
      withClient(o, async (c) => {
        if (!o.commit) {
          const { batches, merges } = await c.admin.compactionPlan(shard);
          const plan = merges.map((r) => ({ batches: r.inputs, lower: fmt(r.lower), upper: fmt(r.upper), since: fmt(r.since) }));
          print(o, { dryRun: true, before: batches, merges: plan }, () =>
            merges.length
              ? `would merge ${batches} batches in ${merges.length} merge(s):\n${table(plan)}\nrun again with --commit to do it`
              : `nothing to compact: ${batches} batch(es)`,
          );
          return;
        }
        const res = await c.admin.forceCompaction(shard);
        print(o, res, () => `compacted: ${res.before} → ${res.after} batches`);
      }),
  );
  adminCmd('force-gc', 'truncate old versions and delete the blobs only they referenced', ['shard']).action(
    async (shard: string, o: LocationOpts & { commit?: boolean }) =>
      withClient(o, async (c) => {
        const s = await c.inspectShard(shard);
        if (!o.commit) {
          const plan = { dryRun: true, seqno: s.seqno, seqnoSince: s.stats.seqnoSince };
          print(o, plan, () => `would truncate versions below ${s.stats.seqnoSince} (latest ${s.seqno}) and delete blobs only they reference; run again with --commit`);
          return;
        }
        const res = await c.admin.forceGc(shard);
        print(o, res, () => `truncated ${res.truncatedVersions} versions, deleted ${res.deletedBlobs} blobs`);
      }),
  );
  adminCmd('delete-unreferenced-blobs', 'delete blobs no retained version references (sparing young ones a writer may still append)', [])
    .option('--min-age-minutes <m>', 'spare blobs created less than this long ago', '10')
    .action(async (o: LocationOpts & { commit?: boolean; minAgeMinutes: string }) =>
      withClient(o, async (c) => {
        const minutes = Number(o.minAgeMinutes);
        if (!Number.isFinite(minutes) || minutes < 0) throw new InvalidUsageError('InvalidArgument', `--min-age-minutes must be a number >= 0, got ${o.minAgeMinutes}`);
        const minAgeMs = minutes * 60_000;
        const now = c.config.now();
        const info = await c.admin.unreferencedBlobInfo();
        const due = info.filter((b) => b.createdMs === null || now - b.createdMs >= minAgeMs);
        if (!o.commit) {
          const bytes = due.reduce((n, b) => n + b.sizeBytes, 0);
          return print(o, { dryRun: true, keys: due.map((b) => b.key), bytes, spared: info.length - due.length }, () =>
            `would delete ${due.length} of ${info.length} unreferenced blobs (${bytes} bytes; ${info.length - due.length} younger than ${minutes} min spared); run again with --commit`,
          );
        }
        const r = await c.admin.deleteUnreferencedBlobInfo(due.map((b) => b.key), { minAgeMs });
        print(o, { deleted: r.deleted.map((b) => b.key), freedBytes: r.freedBytes }, () => `deleted ${r.deleted.length} blobs, ${r.freedBytes} bytes freed`);
      }),
    );
  adminCmd('expire-reader', 'expire a leased or critical reader', ['shard', 'reader']).action(
    async (shard: string, reader: string, o: LocationOpts & { commit?: boolean }) =>
      withClient(o, async (c) => {
        const s = await c.inspectShard(shard);
        const found = [...s.leasedReaders, ...s.criticalReaders].find((r) => r.id === reader);
        if (!found) throw new InvalidUsageError('UnknownReader', `no reader ${reader} on shard ${shard}`);
        if (!o.commit) return print(o, { dryRun: true, reader: found }, () => `would expire reader ${reader} (${found.purpose}); run again with --commit`);
        await c.admin.expireReader(shard, reader);
        print(o, { expired: reader }, () => `expired reader ${reader}`);
      }),
  );
  adminCmd('expire-writer', 'expire a writer', ['shard', 'writer']).action(
    async (shard: string, writer: string, o: LocationOpts & { commit?: boolean }) =>
      withClient(o, async (c) => {
        const s = await c.inspectShard(shard);
        const found = s.writers.find((w) => w.id === writer);
        if (!found) throw new InvalidUsageError('UnknownWriter', `no writer ${writer} on shard ${shard}`);
        if (!o.commit) return print(o, { dryRun: true, writer: found }, () => `would expire writer ${writer} (${found.purpose}); run again with --commit`);
        await c.admin.expireWriter(shard, writer);
        print(o, { expired: writer }, () => `expired writer ${writer}`);
      }),
  );
  adminCmd('finalize', 'delete the data of a shard closed for reads and writes (since = upper = [])', ['shard']).action(
    async (shard: string, o: LocationOpts & { commit?: boolean }) =>
      withClient(o, async (c) => {
        const s = await c.inspectShard(shard);
        if (!o.commit) {
          return print(o, { dryRun: true, since: s.since, upper: s.upper, seqnoSince: s.stats.seqnoSince }, () =>
            `would finalize ${shard} (since ${fmt(s.since)}, upper ${fmt(s.upper)}; needs both []), deleting ${s.stats.parts} parts; run again with --commit`,
          );
        }
        await c.admin.finalizeShard(shard);
        print(o, { finalized: shard }, () => `finalized ${shard}`);
      }),
  );

  dataCommands(program, out);

  await program.parseAsync(argv);
  return exitCode;
}
