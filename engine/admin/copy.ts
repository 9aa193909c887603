// Copying a shard home: its data consolidated at one as_of, with its codec names and name, from any
// location into another (a local sandbox, typically). The source is only read, by a leased reader
// that never downgrades and is expired at the end, so the source's since stays where it was. The
// copy's since is the as_of it was taken at: reads before it would see a past the copy lacks.
//
// And "save a copy of this sandbox": one consistent snapshot of the sandbox file (VACUUM INTO, in a
// worker thread: it reads the whole file), safe while the sandbox is in use, so that a sandbox can be
// shared as one file. Both new files are built under a temporary name beside the target and linked
// into place when whole: a cancelled or failed copy leaves no half-written file.
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { fmt } from '../antichain.js';
import { InvalidUsageError } from '../errors.js';
import { adminDepsOf, type AdminDeps as PersistClient } from './deps.js';
import { cancelledError, checkCancelled, checkTimeArg, rawCodec, withRawReader } from './parts.js';

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
  checkCancelled(opts.signal, 'copy');
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
            aborted = cancelledError(opts.signal, 'copy');
            break;
          }
          for (const [k, v, , d] of chunk) {
            await builder.add(k, v, asOf, d);
          }
          rows += chunk.length;
          opts.onProgress?.({ rows, rowsStored });
          // Checked again before the next chunk is pulled: pulling it reads parts.
          if (opts.signal?.aborted) {
            aborted = cancelledError(opts.signal, 'copy');
            break;
          }
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

const beside = (path: string): string => `${path}.${process.pid}-${randomUUID()}.partial`;
const removeSqlite = (path: string): void => {
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(f, { force: true });
};
/** Links a finished file into place; never overwrites (another process may have taken the name). */
function linkInto(tmp: string, to: string): void {
  try {
    linkSync(tmp, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new InvalidUsageError('InvalidArgument', `${to} already exists: choose a new file for the copy`);
    throw e;
  }
}

function checkNewFile(to: string): void {
  if (typeof to !== 'string' || to === '') throw new InvalidUsageError('InvalidArgument', 'give the path of the new sandbox file');
  if (existsSync(to)) throw new InvalidUsageError('InvalidArgument', `${to} already exists: choose a new file for the copy`);
}

/**
 * Copies a shard into a new sandbox file at `to`, which appears only once the copy is whole: a
 * cancelled or failed copy leaves nothing at `to` (and nothing beside it). `openSandbox` is
 * PersistClient.openSandbox (passed in: this module is below the client); `source` is a PersistClient.
 */
export async function copyShardToNewSandbox(
  source: object,
  shard: string,
  to: string,
  openSandbox: (path: string) => Promise<{ close(): Promise<void> }>,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const from = adminDepsOf(source);
  checkNewFile(to);
  checkCancelled(opts.signal, 'copy');
  const tmp = beside(to);
  try {
    const dest = await openSandbox(tmp);
    let res: CopyResult;
    try {
      res = await copyShard(from, shard, adminDepsOf(dest), opts);
    } finally {
      await dest.close();
    }
    linkInto(tmp, to);
    return res;
  } finally {
    removeSqlite(tmp);
  }
}

export interface SaveCopyProgress {
  /** bytes of the copy written so far */
  bytesDone: number;
  /** the sandbox file's size: the copy is about this size or smaller (VACUUM drops free pages) */
  bytesTotal: number;
}

/** How often the size of the growing copy is sampled for progress. */
const SAVE_PROGRESS_MS = 100;

// The worker's whole program: it is given as source (eval) so that bundled builds need no extra
// file; better-sqlite3 comes by absolute path from the parent's resolution.
const SAVE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
try {
  const db = new Database(workerData.from, { readonly: true, fileMustExist: true, nativeBinding: workerData.nativeBinding });
  try {
    db.prepare('VACUUM INTO ?').run(workerData.to);
  } finally {
    db.close();
  }
  const copy = new Database(workerData.to, { readonly: true, fileMustExist: true, nativeBinding: workerData.nativeBinding });
  let totalPages;
  try {
    totalPages = copy.pragma('page_count', { simple: true });
  } finally {
    copy.close();
  }
  parentPort.postMessage({ ok: true, totalPages });
} catch (e) {
  parentPort.postMessage({ ok: false, message: String(e && e.message || e), code: e && e.code });
}
`;

/**
 * Copies a sandbox file as one consistent snapshot (`VACUUM INTO`, one read transaction, while
 * another connection (this app, a running writer) writes to it), on a worker thread with its own
 * read-only connection so the caller's event loop keeps turning. Progress is the size of the copy
 * so far; a cancel terminates the worker and removes the partial copy. Refuses to overwrite.
 */
export async function saveSandboxCopy(
  from: string,
  to: string,
  opts: { signal?: AbortSignal; onProgress?: (p: SaveCopyProgress) => void } = {},
): Promise<{ path: string; totalPages: number }> {
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') {
    throw new InvalidUsageError('InvalidArgument', 'give the sandbox file and the path of the copy');
  }
  if (!existsSync(from)) throw new InvalidUsageError('InvalidLocation', `no sandbox file at ${from}`);
  checkNewFile(to);
  checkCancelled(opts.signal, 'save');
  const bytesTotal = statSync(from).size;
  const tmp = beside(to);
  const worker = new Worker(SAVE_WORKER, {
    eval: true,
    workerData: {
      from,
      to: tmp,
      sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
      nativeBinding: process.env.SHARDSCOPE_SQLITE_NATIVE_BINDING || undefined,
    },
  });
  const sample = (): void => {
    let bytesDone = 0;
    try {
      bytesDone = statSync(tmp).size;
    } catch {
      // not created yet
    }
    opts.onProgress?.({ bytesDone: Math.min(bytesDone, bytesTotal), bytesTotal });
  };
  const timer = opts.onProgress ? setInterval(sample, SAVE_PROGRESS_MS) : null;
  try {
    const totalPages = await new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        reject(cancelledError(opts.signal!, 'save'));
        void worker.terminate();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (m: { ok: true; totalPages: number } | { ok: false; message: string; code?: string }) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (m.ok) resolve(m.totalPages);
        else reject(new InvalidUsageError('InvalidLocation', `could not save a copy of ${from}: ${m.message}`));
      });
      worker.once('error', (e) => {
        opts.signal?.removeEventListener('abort', onAbort);
        reject(e);
      });
      worker.once('exit', () => reject(new Error('the save worker stopped')));
    });
    // The worker has closed its connections before it answered: the file is whole.
    await worker.terminate();
    linkInto(tmp, to);
    opts.onProgress?.({ bytesDone: statSync(to).size, bytesTotal: Math.max(bytesTotal, statSync(to).size) });
    return { path: to, totalPages };
  } finally {
    if (timer) clearInterval(timer);
    await worker.terminate();
    removeSqlite(tmp);
  }
}
