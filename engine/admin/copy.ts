// Copying a shard home: its data consolidated at one as_of, with its codec names and name, from any
// location into another (a local sandbox, typically). The source is only read, by a leased reader
// that never downgrades and is expired at the end, so the source's since stays where it was. The
// copy's since is the as_of it was taken at: reads before it would see a past the copy lacks.
//
// And "save a copy of this sandbox": SQLite's online backup of the sandbox file, safe while the
// sandbox is in use, so that a sandbox can be shared as one file.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fmt } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import type { AdminDeps as PersistClient } from './deps.js';
import { checkTimeArg, rawCodec, withRawReader } from './parts.js';

export interface CopyProgress {
  rows: number;
  /** updates stored in the source (an upper bound of the rows a consolidated copy holds) */
  rowsStored: number;
}

export interface CopyOptions {
  /** default: the latest readable time (upper - 1) */
  asOf?: number;
  /** the shard id in the destination; default the source's */
  toShard?: string;
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
}

export interface CopyResult {
  shard: string;
  toShard: string;
  name: string | null;
  codecs: { key: string; val: string };
  asOf: number;
  rows: number;
}

export async function copyShard(source: PersistClient, shard: string, dest: PersistClient, opts: CopyOptions = {}): Promise<CopyResult> {
  const toShard = opts.toShard ?? shard;
  const target = await dest.machine(toShard);
  await target.refresh();
  if (target.current.seqno !== 0) {
    throw new InvalidUsageError('InvalidArgument', `shard ${toShard} already exists in the destination: copy into a new sandbox or give another shard id`);
  }
  return withRawReader(source, shard, 'copy', async (reader, state) => {
    const since = state.since.length ? state.since[0] : null;
    const upper = state.upper.length ? state.upper[0] : null;
    if (since === null) throw new InvalidUsageError('InvalidArgument', `shard ${state.shardId} has since [] and cannot be read`);
    let asOf: number;
    if (opts.asOf !== undefined) asOf = checkTimeArg(opts.asOf, 'asOf');
    else if (upper === null) throw new InvalidUsageError('InvalidArgument', `shard ${state.shardId} is closed (upper []): give the as_of to copy at`);
    else asOf = upper - 1;
    if (asOf < since || (upper !== null && asOf >= upper)) {
      throw new InvalidUsageError(
        'InvalidArgument',
        `cannot copy ${state.shardId} as of ${asOf}: it is readable as of [since, upper) = [${fmt(state.since)}, ${fmt(state.upper)})`,
      );
    }
    const codecNames = state.codecs ?? { key: 'bytes', val: 'bytes' };
    const opts2 = {
      keyCodec: rawCodec(codecNames.key),
      valCodec: rawCodec(codecNames.val),
      diagnostics: { shardName: state.name ?? '', handlePurpose: 'copy' },
    };
    const rowsStored = state.batches.reduce((n, b) => n + b.len, 0);
    const writer = await dest.openWriter(toShard, opts2);
    try {
      const builder = writer.builder([0]);
      let rows = 0;
      let aborted: unknown = null;
      try {
        for await (const chunk of reader.snapshotCursor([asOf])) {
          if (opts.signal?.aborted) {
            aborted = opts.signal.reason ?? new Error('copy cancelled');
            break;
          }
          for (const [k, v, , d] of chunk) await builder.add(k, v, asOf, d);
          rows += chunk.length;
          opts.onProgress?.({ rows, rowsStored });
        }
      } catch (e) {
        aborted = e;
      }
      const batch = await builder.finish([asOf + 1]);
      if (aborted !== null) {
        // Nothing is appended: the parts uploaded so far go.
        await batch.delete().catch(() => undefined);
        throw aborted;
      }
      const res = await writer.compareAndAppendBatch([batch], [0], [asOf + 1]);
      if (!res.ok) {
        await batch.delete().catch(() => undefined);
        throw new InvalidUsageError('InvalidArgument', `shard ${toShard} was written in the destination during the copy (upper ${fmt(res.current)})`);
      }
      // Hold the copy's since at as_of: the one reader moves it there, and it stays when it expires.
      const holder = await dest.openLeasedReader(toShard, { ...opts2, diagnostics: { ...opts2.diagnostics, handlePurpose: 'copy-since' } });
      await holder.downgradeSince([asOf]);
      await holder.expire();
      return { shard: state.shardId, toShard: target.shardId, name: state.name, codecs: codecNames, asOf, rows };
    } finally {
      await writer.expire().catch(() => undefined);
    }
  });
}

/**
 * Copies a sandbox file as one consistent snapshot (`VACUUM INTO`), even while another connection
 * (this app, a running writer) writes to it. Refuses to overwrite an existing file.
 */
export async function saveSandboxCopy(
  from: string,
  to: string,
  opts: { onProgress?: (p: { totalPages: number; remainingPages: number }) => void } = {},
): Promise<{ path: string; totalPages: number }> {
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') {
    throw new InvalidUsageError('InvalidArgument', 'give the sandbox file and the path of the copy');
  }
  if (!existsSync(from)) throw new InvalidUsageError('InvalidLocation', `no sandbox file at ${from}`);
  if (existsSync(to)) throw new InvalidUsageError('InvalidArgument', `${to} already exists: choose a new file for the copy`);
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    // VACUUM INTO copies one snapshot in one read transaction while writers go on. The online
    // backup API from a second connection restarts whenever another connection writes, so with
    // the demo writers running a save did not finish in the e2e run.
    db.prepare('VACUUM INTO ?').run(to);
    const copy = new Database(to, { readonly: true, fileMustExist: true });
    let totalPages: number;
    try {
      totalPages = copy.pragma('page_count', { simple: true }) as number;
    } finally {
      copy.close();
    }
    opts.onProgress?.({ totalPages, remainingPages: 0 });
    return { path: to, totalPages };
  } finally {
    db.close();
  }
}
