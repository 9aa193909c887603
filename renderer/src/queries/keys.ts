// The one query-key factory: every cache entry of the app is named here.
export const qk = {
  all: ['shardscope'] as const,
  app: () => [...qk.all, 'app'] as const,
  locations: () => [...qk.all, 'locations'] as const,
  location: (loc: string) => [...qk.all, 'loc', loc] as const,
  shards: (loc: string) => [...qk.location(loc), 'shards'] as const,
  shard: (loc: string, shard: string) => [...qk.location(loc), 'shard', shard] as const,
  detail: (loc: string, shard: string) => [...qk.shard(loc, shard), 'detail'] as const,
  history: (loc: string, shard: string) => [...qk.shard(loc, shard), 'history'] as const,
  live: (loc: string, shard: string) => [...qk.shard(loc, shard), 'live'] as const,
  snapshot: (loc: string, shard: string, asOf: number | null) => [...qk.shard(loc, shard), 'snapshot', asOf] as const,
  snapshotPage: (loc: string, shard: string, asOf: number, page: number) =>
    [...qk.shard(loc, shard), 'snapshot', asOf, 'page', page] as const,
};
