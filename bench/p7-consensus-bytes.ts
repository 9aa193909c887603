// P7: consensus bytes per append. A shard holding 10k batches (built by 10k one-update appends),
// then further one-update appends: how many bytes each writes to consensus (the state diff),
// counted by wrapping the client's Consensus and cross-checked with SQLite length(data). Baseline:
// the size of the full state (its latest rollup), i.e. what each append would cost without diffs.
//
// Background compaction is off for this client: with it on the shard would not hold 10k batches
// (the spine keeps the batch count logarithmic), and the point is a state that large.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { PersistClient, codecs, newShardId } from '../engine/index.js';
import { median, randomHexStrings, result, type Benchmark } from './harness.js';

const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const bench: Benchmark = {
  id: 'P7',
  title: 'consensus bytes per one-update append on a shard holding 10k batches',
  targets: { 'P7-consensus-bytes-per-append': { on: 'value', op: '<=', threshold: 700 } },
  async run(ctx) {
    const batches = ctx.n(10_000, 200); // >= rollupThreshold (128): the baseline needs a rollup
    const measured = ctx.n(256, 20);
    const dir = ctx.sandboxDir();
    const path = join(dir, 'p7.sqlite');
    const keys = randomHexStrings(batches + measured, 16, 71);
    const vals = randomHexStrings(batches + measured, 16, 72);
    const client = await PersistClient.openSandbox(path, { compactionEnabled: false });
    const shard = newShardId();
    try {
      const w = await client.openWriter(shard, strings);
      const t0 = performance.now();
      let t = 0;
      const appendOne = async (): Promise<void> => {
        const res = await w.compareAndAppend([[keys[t], vals[t], t, 1]], [t], [t + 1]);
        if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
        t++;
      };
      for (let i = 0; i < batches; i++) await appendOne();
      const buildMs = performance.now() - t0;

      // Count what every successful compare-and-set of this shard writes.
      const consensus = client.storage.consensus;
      const cas = consensus.compareAndSet.bind(consensus);
      const sizes = new Map<number, number>();
      consensus.compareAndSet = async (key, expected, data) => {
        const res = await cas(key, expected, data);
        if (res.ok && key === shard) sizes.set(data.seqno, data.data.length);
        return res;
      };
      const seqnoBefore = (await client.inspectShard(shard)).seqno;
      for (let i = 0; i < measured; i++) await appendOne();
      consensus.compareAndSet = cas;

      const info = await client.inspectShard(shard);
      // Every version written meanwhile counts: the appends' own and any GC/rollup bookkeeping
      // versions they cause.
      if (sizes.size !== info.seqno - seqnoBefore) {
        throw new Error(`counted ${sizes.size} CAS writes for ${info.seqno - seqnoBefore} new versions`);
      }
      const rollup = info.rollups[info.rollups.length - 1];
      if (!rollup) throw new Error('the shard has no rollup to compare with');
      const all = [...sizes.values()];
      const total = all.reduce((a, b) => a + b, 0);
      const perAppend = total / measured;

      // Cross-check against what the file holds (GC may already have truncated older versions).
      const db = new Database(path, { readonly: true, fileMustExist: true });
      const rows = db
        .prepare('SELECT seqno, length(data) AS bytes FROM consensus WHERE key = ? AND seqno > ?')
        .all(shard, seqnoBefore) as { seqno: number; bytes: number }[];
      db.close();
      for (const r of rows) {
        if (sizes.get(r.seqno) !== r.bytes) {
          throw new Error(`SQLite holds ${r.bytes} bytes at seqno ${r.seqno}, the wrapper saw ${sizes.get(r.seqno)}`);
        }
      }
      ctx.log(
        `${info.batches.length} batches built in ${(buildMs / 1000).toFixed(1)} s; ${measured} appends wrote ` +
          `${all.length} versions, ${total} bytes (per version median ${median(all)}, max ${Math.max(...all)}; ` +
          `${rows.length} still in SQLite, sizes agree); full state (rollup @${rollup.seqno}) ${rollup.encodedSizeBytes} bytes`,
      );
      return [
        result(
          'P7-consensus-bytes-per-append',
          perAppend,
          'bytes',
          `full state rollup (${info.batches.length} batches)`,
          rollup.encodedSizeBytes,
        ),
      ];
    } finally {
      await client.close();
    }
  },
};
export default bench;
