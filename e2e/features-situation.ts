// Builds one real health situation in a sandbox file, from its own process (as another team's
// service would), and exits without cleaning up: a process that dies leaves its leases behind.
// Clocks run behind where a situation needs age (a reader silent for 20 min, an upper that last
// moved 10 min ago, a blob uploaded 20 min ago): the app judges them by its own clock.
// Usage: node --import tsx e2e/features-situation.ts <kind> <sandbox file> <shard name>
// Prints {"shard": "<id>"}.
import { codecs, newShardId, PersistClient, type PersistConfig } from '../engine/index.js';

const [kind, file, name] = process.argv.slice(2);
const strings = { keyCodec: codecs.string, valCodec: codecs.string };
const MIN = 60_000;

async function client(config: Partial<PersistConfig>): Promise<PersistClient> {
  // No GC or compaction of its own unless a situation wants it: the situation must stay as built.
  return PersistClient.openSandbox(file, { compactionEnabled: false, rollupThreshold: 1_000_000, inlineWritesMaxBytes: 0, ...config });
}

const behind = (ms: number) => () => Date.now() - ms;

async function main(): Promise<string> {
  const shard = newShardId();
  const diagnostics = (purpose: string) => ({ ...strings, diagnostics: { shardName: name, handlePurpose: purpose } });
  switch (kind) {
    case 'silent-reader': {
      const c = await client({ now: behind(20 * MIN) });
      const w = await c.openWriter(shard, diagnostics('loader'));
      await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
      await w.expire();
      await c.openLeasedReader(shard, diagnostics('nightly-report'));
      return shard;
    }
    case 'held-part': {
      // A reader that snapshots and never fetches: its leases pin the version it read at.
      const c = await client({ now: behind(20 * MIN) });
      const w = await c.openWriter(shard, diagnostics('loader'));
      await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
      const r = await c.openLeasedReader(shard, diagnostics('slow-export'));
      await r.snapshot([0]);
      for (let t = 1; t <= 70; t++) await w.compareAndAppend([[`k${t}`, 'v', t, 1]], [t], [t + 1]);
      await w.expire();
      return shard;
    }
    case 'stalled-writer': {
      const c = await client({ now: behind(10 * MIN) });
      const w = await c.openWriter(shard, diagnostics('ingest'));
      await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
      return shard;
    }
    case 'compaction-debt': {
      const c = await client({});
      const w = await c.openWriter(shard, diagnostics('loader'));
      for (let t = 0; t < 30; t++) await w.compareAndAppend([[`k${t % 3}`, `v${t}`, t, 1]], [t], [t + 1]);
      await w.expire();
      return shard;
    }
    case 'gc-behind': {
      const c = await client({});
      const w = await c.openWriter(shard, diagnostics('loader'));
      for (let t = 0; t < 300; t++) await w.compareAndAppend([['k', `v${t}`, t, 1]], [t], [t + 1]);
      await w.expire();
      return shard;
    }
    case 'leaked-blobs': {
      const c = await client({ now: behind(20 * MIN) });
      const w = await c.openWriter(shard, diagnostics('uploader'));
      await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
      // Uploaded, never appended: its process died before the compare-and-append.
      await w.batch([['lost', 'x'.repeat(100), 1, 1]], [1], [2]);
      await w.expire();
      return shard;
    }
    case 'finalizable': {
      const c = await client({});
      const [w, r] = await c.open(shard, diagnostics('retired'));
      await w.compareAndAppend([['k', 'v', 0, 1]], [0], [1]);
      await w.compareAndAppend([], [1], []);
      await r.downgradeSince([]);
      await w.expire();
      await r.expire();
      return shard;
    }
    default:
      throw new Error(`unknown situation ${kind}`);
  }
}

main().then(
  (shard) => {
    process.stdout.write(`${JSON.stringify({ shard })}\n`);
    // Exits with its leases held (no close): the process is gone, its state stays.
    process.exit(0);
  },
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
