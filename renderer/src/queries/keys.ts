// The one query-key factory: every cache entry of the app is named here.
export const qk = {
  all: ['shardscope'] as const,
  app: () => [...qk.all, 'app'] as const,
  locations: () => [...qk.all, 'locations'] as const,
  location: (loc: string) => [...qk.all, 'loc', loc] as const,
  shards: (loc: string) => [...qk.location(loc), 'shards'] as const,
  shard: (loc: string, shard: string) => [...qk.location(loc), 'shard', shard] as const,
  detail: (loc: string, shard: string) => [...qk.shard(loc, shard), 'detail'] as const,
  frontierSamples: (loc: string, shard: string) => [...qk.shard(loc, shard), 'frontier-samples'] as const,
  live: (loc: string, shard: string) => [...qk.shard(loc, shard), 'live'] as const,
  compaction: (loc: string, shard: string) => [...qk.shard(loc, shard), 'compaction'] as const,
  compactionPlan: (loc: string, shard: string) => [...qk.shard(loc, shard), 'compaction-plan'] as const,
  gc: (loc: string, shard: string) => [...qk.shard(loc, shard), 'gc'] as const,
  versions: (loc: string, shard: string) => [...qk.shard(loc, shard), 'versions'] as const,
  versionAt: (loc: string, shard: string, seqno: number) => [...qk.shard(loc, shard), 'version', seqno] as const,
  leaked: (loc: string) => [...qk.location(loc), 'leaked-blobs'] as const,
  snapshot: (loc: string, shard: string, asOf: number | null) => [...qk.shard(loc, shard), 'snapshot', asOf] as const,
  snapshotPage: (loc: string, shard: string, asOf: number, page: number) =>
    [...qk.shard(loc, shard), 'snapshot', asOf, 'page', page] as const,
};
