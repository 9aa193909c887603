// The router's operator-tool handlers: health of a location or shard and its actions, diff over
// time, since what-if, copy a shard into a sandbox. Engine results become plain contract JSON.
import type { z } from 'zod';
import { PersistClient, saveSandboxCopy, type Antichain, type Finding, type ShardHealth } from '../../engine/index.js';
import type { adminRequestSchemas, AdminResults, FindingInfo, ShardHealthInfo } from '../../preload/admin-contract.js';
import type { Host } from '../host/types.js';
import { AppError } from './errors.js';

type AdminMethod = keyof typeof adminRequestSchemas;
type AdminHandlers = { [M in AdminMethod]: (p: z.output<(typeof adminRequestSchemas)[M]>) => Promise<AdminResults[M]> };

const frontier = (a: Antichain): number | null => (a.length ? a[0] : null);

function finding(f: Finding): FindingInfo {
  return { ...f, blame: f.blame.map((b) => ({ ...b, since: b.since === null ? undefined : frontier(b.since) })) };
}

const shardHealth = (h: ShardHealth): ShardHealthInfo => ({ ...h, findings: h.findings.map(finding) });

export function adminHandlers(host: Host): AdminHandlers {
  const client = (location: string): PersistClient => {
    const loc = host.location(location);
    if (!loc.engineClient) throw new AppError('Unsupported', 'this host does not offer the operator tools');
    return loc.engineClient();
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
          const deleted = await c.admin.deleteUnreferencedBlobs(a.keys, { minAgeMs: 10 * 60_000 });
          return { done: `deleted ${deleted.length} of ${a.keys.length} blobs` };
        }
        case 'finalize':
          await c.admin.finalizeShard(a.shard);
          return { done: `finalized ${a.shard}` };
      }
    },
    'shard.diff': async (p) => {
      const d = await client(p.location).admin.diff(p.shard, { from: p.from, to: p.to, filter: p.filter, limit: p.limit });
      return { from: d.from, to: d.to, rows: d.rows, addedRows: d.addedRows, removedRows: d.removedRows, added: d.added, removed: d.removed, truncated: d.truncated };
    },
    'shard.whatIf': async (p) => {
      const w = await client(p.location).admin.sinceWhatIf(p.shard, p.since);
      return {
        since: w.since,
        current: { ...w.current, since: frontier(w.current.since), upper: frontier(w.current.upper) },
        after: w.after,
        lostAsOf: w.lostAsOf,
        readersBehind: w.readersBehind.map((r) => ({ ...r, since: frontier(r.since) })),
        cached: w.cached,
      };
    },
    'shard.copyToSandbox': async (p) => {
      // The host's rules for where files may be created hold for copies too.
      const dest = await PersistClient.openSandbox(host.admitNewSandbox(p.path));
      try {
        const r = await client(p.location).admin.copyShard(p.shard, dest, { asOf: p.asOf });
        return { shard: r.toShard, name: r.name, asOf: r.asOf, rows: r.rows };
      } finally {
        await dest.close();
      }
    },
    'sandbox.saveCopy': async (p) => {
      const file = host.location(p.location).sandboxFile?.() ?? null;
      if (file === null) throw new AppError('Unsupported', 'only a sandbox location can be saved as a copy; copy its shards into a sandbox instead');
      const r = await saveSandboxCopy(file, host.admitNewSandbox(p.path));
      return { pages: r.totalPages };
    },
  };
}
