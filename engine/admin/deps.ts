// What operator actions need of their client, as an interface: the admin depends on this, not on
// PersistClient, so client.ts and admin/ do not import each other, and PersistClient keeps its
// storage, machines and background workers to itself.
import type { PersistConfig } from '../config.js';
import type { Compactor } from '../compact/compactor.js';
import type { HandleOptions } from '../handle.js';
import type { ShardInspection } from '../inspect.js';
import type { Blob, Consensus } from '../location/types.js';
import type { Machine } from '../machine.js';
import type { ReadHandle } from '../read.js';
import type { WriteHandle } from '../write.js';
import { InvalidUsageError } from '../errors.js';

export interface AdminDeps {
  readonly config: PersistConfig;
  readonly consensus: Consensus;
  readonly blob: Blob;
  readonly compactor: Compactor;
  readonly isClosed: boolean;
  /** the client's shared machine of a shard (loading its state on first use) */
  machine(shard: string): Promise<Machine>;
  listShards(): Promise<string[]>;
  inspectShard(shard: string, at?: { seqno: number }): Promise<ShardInspection>;
  openLeasedReader<K, V>(shard: string, opts: HandleOptions<K, V>): Promise<ReadHandle<K, V>>;
  openWriter<K, V>(shard: string, opts: HandleOptions<K, V>): Promise<WriteHandle<K, V>>;
}

/** The deps of each open client, so an action across two clients (copyShard's dest) can reach the other's. */
const registry = new WeakMap<object, AdminDeps>();

export function registerAdminDeps(client: object, deps: AdminDeps): void {
  registry.set(client, deps);
}

export function adminDepsOf(client: object): AdminDeps {
  const deps = typeof client === 'object' && client !== null ? registry.get(client) : undefined;
  if (!deps) throw new InvalidUsageError('InvalidArgument', 'expected a PersistClient of this engine');
  return deps;
}
