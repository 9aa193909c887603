// The CLI commands that move data: write/import through the parallel sink, export a snapshot.
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Readable } from 'node:stream';
import { codecs } from '../codec.js';
import { InvalidUsageError } from '../errors.js';
import { persistSink } from '../sink/sink.js';
import { locationOptions, openClient, type LocationOpts } from './location.js';
import { csvField, formatOf, progressBar, readRows, RowError, type Format, type Row } from './rows.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

interface LoadOpts extends LocationOpts { workers?: number; format?: Format; progress?: boolean }

const parseWorkers = (v: string): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) throw new InvalidUsageError('InvalidArgument', `--workers must be an integer in 1..64, got ${v}`);
  return n;
};

/**
 * Two passes: the first checks every row (and that no time is before the shard upper), so that a
 * malformed file appends nothing; the second routes the rows through the sink, which appends
 * them with one compare-and-append at the end.
 */
async function load(
  shard: string,
  source: () => string | Readable,
  twoPass: boolean,
  o: LoadOpts,
  out: (s: string) => void,
  what: string,
): Promise<void> {
  const format: Format = o.format ?? 'jsonl';
  const c = await openClient(o, { create: true });
  try {
    const w = await c.openWriter(shard, strings);
    const upper = await w.fetchRecentUpper();
    await w.expire();
    if (!upper.length) throw new InvalidUsageError('ShardFinalized', `shard ${shard} is closed for writes (upper [])`);
    const lower = upper[0];
    let rows: Row[] | null = null;
    let total = 0;
    let maxTime = lower - 1;
    const check = ({ row, line }: { row: Row; line: number }): void => {
      if (row[2] < lower) throw new RowError(line, `time ${row[2]} is before the shard upper [${lower}]: it can no longer be written`);
      if (row[2] > maxTime) maxTime = row[2];
      total++;
    };
    if (twoPass) {
      for await (const r of readRows(source(), format)) check(r);
    } else {
      // stdin can be read once: keep the rows (write is for small inputs; import streams files)
      rows = [];
      for await (const r of readRows(source(), format)) {
        check(r);
        rows.push(r.row);
      }
    }
    const sink = await persistSink(c, shard, { ...strings, workers: o.workers ?? 2 });
    const progress = o.progress === false ? () => undefined : progressBar(total, what);
    try {
      let done = 0;
      let chunk: Row[] = [];
      const flush = async (): Promise<void> => {
        await sink.write(chunk);
        done += chunk.length;
        chunk = [];
        progress(done);
      };
      const all: AsyncIterable<Row> | Iterable<Row> = rows ?? (async function* () {
        for await (const { row } of readRows(source(), format)) yield row;
      })();
      for await (const row of all) {
        chunk.push(row);
        if (chunk.length >= 16_384) await flush();
      }
      await flush();
      const newUpper = Math.max(lower, maxTime + 1);
      await sink.advance([newUpper]);
      out(o.json ? JSON.stringify({ shard, updates: total, upper: [newUpper] }) : `${what}: ${total} updates appended to ${shard}; upper now [${newUpper}]`);
    } finally {
      await sink.close();
    }
  } finally {
    await c.close();
  }
}

export function dataCommands(program: Command, out: (s: string) => void): void {
  const workersOpt = () => new Option('--workers <n>', 'batch-writing worker threads').argParser(parseWorkers);
  const formatOpt = () => new Option('--format <f>', 'row format').choices(['jsonl', 'csv']);

  locationOptions(program.command('write').argument('<shard>').description('append updates read from stdin (JSON lines or CSV: key,val,time,diff)'))
    .addOption(workersOpt())
    .addOption(formatOpt())
    .option('--no-progress', 'no progress bar')
    .action(async (shard: string, o: LoadOpts) => load(shard, () => process.stdin, false, o, out, 'write'));

  locationOptions(program.command('import').argument('<shard>').description('append the updates of a .jsonl or .csv file through the parallel sink'))
    .requiredOption('--file <path>', 'the file: F.jsonl (objects {key,val,time,diff} or arrays) or F.csv (key,val,time,diff)')
    .addOption(workersOpt())
    .addOption(formatOpt())
    .option('--no-progress', 'no progress bar')
    .action(async (shard: string, o: LoadOpts & { file: string }) =>
      load(shard, () => o.file, true, { ...o, format: formatOf(o.file, o.format) }, out, 'import'),
    );

  locationOptions(program.command('export').argument('<shard>').description('print the consolidated snapshot at a time, as JSON lines or CSV'))
    .requiredOption('--as-of <t>', 'the time to read at (updates at or before it, advanced to it)', (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidUsageError('InvalidTimestamp', `--as-of must be a non-negative integer, got ${v}`);
      return Number(v);
    })
    .addOption(formatOpt().default('jsonl'))
    .action(async (shard: string, o: LocationOpts & { asOf: number; format: Format }) => {
      const c = await openClient(o);
      try {
        const info = await c.inspectShard(shard);
        if (info.upper.length && info.upper[0] <= o.asOf) {
          throw new InvalidUsageError('InvalidArgument', `--as-of ${o.asOf} is not readable yet: the shard upper is [${info.upper[0]}]`);
        }
        const r = await c.openLeasedReader(shard, strings);
        try {
          if (o.format === 'csv') out('key,val,time,diff');
          for await (const batch of r.snapshotCursor([o.asOf])) {
            const lines = batch.map(([k, v, t, d]) =>
              o.format === 'csv' ? `${csvField(k)},${csvField(v)},${t},${d}` : JSON.stringify({ key: k, val: v, time: t, diff: d }),
            );
            if (lines.length) out(lines.join('\n'));
          }
        } finally {
          await r.expire();
        }
      } finally {
        await c.close();
      }
    });
}
