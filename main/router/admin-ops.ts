// The router's operator-tool handlers: health of a location or shard and its actions, diff over
// time, since what-if, copy a shard into a sandbox. Engine results become plain contract JSON.
import type { z } from 'zod';
import { copyShardToNewSandbox, PersistClient, saveSandboxCopy, versionWindow, type Antichain, type Finding, type ShardDiff, type ShardHealth, type WhatIf } from '../../engine/index.js';
import type { adminRequestSchemas, AdminResults, DiffInfo, FindingInfo, JobInfo, ShardHealthInfo, WhatIfInfo } from '../../preload/admin-contract.js';
import type { Host } from '../host/types.js';
import type { Job, Jobs } from '../host/jobs.js';
import { AppError } from './errors.js';

type AdminMethod = keyof typeof adminRequestSchemas;
type AdminHandlers = { [M in AdminMethod]: (p: z.output<(typeof adminRequestSchemas)[M]>) => Promise<AdminResults[M]> };

const diffInfo = (d: ShardDiff): DiffInfo => ({ from: d.from, to: d.to, rows: d.rows, addedRows: d.addedRows, removedRows: d.removedRows, added: d.added, removed: d.removed, truncated: d.truncated });
const openSandbox = (path: string): Promise<PersistClient> => PersistClient.openSandbox(path);
const frontier = (a: Antichain): number | null => (a.length ? a[0] : null);

function finding(f: Finding): FindingInfo {
  return { ...f, blame: f.blame.map((b) => ({ ...b, since: b.since === null ? undefined : frontier(b.since) })) };
}

const shardHealth = (h: ShardHealth): ShardHealthInfo => ({ ...h, findings: h.findings.map(finding) });

const whatIfInfo = (w: WhatIf): WhatIfInfo => ({
  since: w.since,
  current: { ...w.current, since: frontier(w.current.since), upper: frontier(w.current.upper) },
  after: w.after,
  lostAsOf: w.lostAsOf,
  readersBehind: w.readersBehind.map((r) => ({ ...r, since: frontier(r.since) })),
  cached: w.cached,
});

// The host's job record is the contract's (its kind is one of the kinds started below).
export const jobInfo = (j: Job): JobInfo => {
  const { location: _l, subject: _s, ...rest } = j;
  return rest as JobInfo;
};

export function adminHandlers(host: Host, jobs: Jobs): AdminHandlers {
  const client = (location: string): PersistClient => {
    const loc = host.location(location);
    if (!loc.engineClient) throw new AppError('Unsupported', 'this host does not offer the operator tools');
    return loc.engineClient();
  };
  const sandboxFile = (location: string): string => {
    const file = host.location(location).sandboxFile?.() ?? null;
    if (file === null) throw new AppError('Unsupported', 'only a sandbox location can be saved as a copy; copy its shards into a sandbox instead');
    return file;
  };
  return {
    'health.location': async (p) => {
      const h = await client(p.location).admin.locationHealth();
      return { ...h, shards: h.shards.map(shardHealth), location: h.location.map(finding) };
    },
    'health.shard': async (p) => shardHealth(await client(p.location).admin.health(p.shard)),
    'health.act': async (p) => {
      const c = client(p.location);
      const a = p.action;
      const expected = a.kind === 'delete-unreferenced-blobs' ? 'delete' : a.shard;
      if (p.confirm !== expected) {
        throw new AppError('BadRequest', `confirm by typing ${a.kind === 'delete-unreferenced-blobs' ? '"delete"' : 'the shard id'}; nothing was done`);
      }
      switch (a.kind) {
        case 'expire-reader':
          await c.admin.expireReader(a.shard, a.readerId);
          return { done: `expired reader ${a.readerId}` };
        case 'expire-writer':
          await c.admin.expireWriter(a.shard, a.writerId);
          return { done: `expired writer ${a.writerId}` };
        case 'force-compaction': {
          const r = await c.admin.forceCompaction(a.shard);
          return { done: `compacted ${r.before} → ${r.after} batches` };
        }
        case 'force-gc': {
          const r = await c.admin.forceGc(a.shard);
          return { done: `truncated ${r.truncatedVersions} versions, deleted ${r.deletedBlobs} blobs` };
        }
        case 'delete-unreferenced-blobs': {
          // The same guard as the Storage tab: a young blob may be a batch about to be appended.
          const { deleted, freedBytes } = await c.admin.deleteUnreferencedBlobInfo(a.keys, { minAgeMs: 10 * 60_000 });
          return { done: `deleted ${deleted.length} of ${a.keys.length} blobs (${freedBytes} bytes freed)` };
        }
        case 'finalize':
          await c.admin.finalizeShard(a.shard);
          return { done: `finalized ${a.shard}` };
      }
    },
    'shard.diff': async (p) => diffInfo(await client(p.location).admin.diff(p.shard, { from: p.from, to: p.to, filter: p.filter, limit: p.limit })),
    'shard.diffVersions': async (p) => {
      const c = client(p.location);
      const w = await versionWindow(c, p.shard, p.fromSeqno, p.toSeqno);
      return diffInfo(await c.admin.diff(p.shard, { ...w, filter: p.filter, limit: p.limit }));
    },
    'shard.whatIf': async (p) => whatIfInfo(await client(p.location).admin.sinceWhatIf(p.shard, p.since)),
    'shard.copyToSandbox': async (p) => {
      // The host's rules for where files may be created hold for copies too.
      const r = await copyShardToNewSandbox(client(p.location), p.shard, host.admitNewSandbox(p.path), openSandbox, { asOf: p.asOf });
      return { shard: r.toShard, name: r.name, asOf: r.asOf, rows: r.rows };
    },
    'sandbox.saveCopy': async (p) => {
      const r = await saveSandboxCopy(sandboxFile(p.location), host.admitNewSandbox(p.path));
      return { pages: r.totalPages };
    },
    'job.start': async (p) => {
      // A copy and a saved sandbox copy both write `to`: one job per target file.
      const refuseBusyTarget = (location: string, to: string) => {
        if (jobs.running('copy', location, to) || jobs.running('save-copy', location, to)) throw new AppError('Conflict', `a copy into ${to} is already running`);
      };
      switch (p.kind) {
        case 'what-if': {
          const c = client(p.location);
          const subject = `${p.shard}@${p.since}`;
          const same = jobs.running('what-if', p.location, subject);
          if (same) return jobInfo(same);
          // The slider moved on: the answer for another since of this shard is no longer awaited.
          for (const other of jobs.runningOf('what-if', p.location, `${p.shard}@`)) jobs.cancel(p.location, other.id);
          return jobInfo(
            jobs.start('what-if', p.location, subject, async (signal, progress) =>
              whatIfInfo(
                await c.admin.sinceWhatIf(p.shard, p.since, {
                  signal,
                  onProgress: (x) => progress({ done: x.partsDone, total: x.partsTotal, unit: 'parts' }),
                }),
              ),
            ),
          );
        }
        case 'copy': {
          const c = client(p.location);
          const to = host.admitNewSandbox(p.path);
          refuseBusyTarget(p.location, to);
          return jobInfo(
            jobs.start('copy', p.location, to, async (signal, progress) => {
              const r = await copyShardToNewSandbox(c, p.shard, to, openSandbox, {
                asOf: p.asOf,
                signal,
                onProgress: (x) => progress({ done: x.rows, total: x.rowsStored, unit: 'rows' }),
              });
              return { shard: r.toShard, name: r.name, asOf: r.asOf, rows: r.rows, path: to };
            }),
          );
        }
        case 'save-copy': {
          const file = sandboxFile(p.location);
          const to = host.admitNewSandbox(p.path);
          refuseBusyTarget(p.location, to);
          return jobInfo(
            jobs.start('save-copy', p.location, to, async (signal, progress) => {
              const r = await saveSandboxCopy(file, to, { signal, onProgress: (x) => progress({ done: x.bytesDone, total: x.bytesTotal, unit: 'bytes' }) });
              return { pages: r.totalPages, path: to };
            }),
          );
        }
      }
    },
    'job.status': async (p) => jobInfo(jobs.status(p.location, p.jobId)),
    'job.cancel': async (p) => jobInfo(jobs.cancel(p.location, p.jobId)),
  };
}
