// P6 memory child (run with --expose-gc, one process per measurement so RSS growth is clean).
//   baseline <n>                      RSS growth of holding n updates as JS arrays
//   builder  <path> <shard> <n> [blobTargetSizeBytes]   peak RSS growth while a builder takes n updates
//   cursor   <path> <shard> <n> [blobTargetSizeBytes]   peak RSS growth while a snapshotCursor reads them
import { PersistClient, codecs, type PersistConfig } from '../../engine/index.js';
import { fullGc, MiB, reportToParent, rng, RssTracker } from '../harness.js';

const [mode, ...rest] = process.argv.slice(2);
const strings = { keyCodec: codecs.string, valCodec: codecs.string };

const HEX = '0123456789abcdef';

/** Flat 16-char hex strings from a PRNG, generated on the fly (no input arrays held). */
function hexGen(seed: number): () => string {
  const next = rng(seed);
  const buf = Buffer.allocUnsafe(16);
  return () => {
    for (let j = 0; j < 16; j += 8) {
      let word = next();
      for (let k = 0; k < 8; k++, word >>>= 4) buf[j + k] = HEX.charCodeAt(word & 15);
    }
    return buf.toString('latin1');
  };
}

function config(arg: string | undefined): Partial<PersistConfig> {
  return arg ? { blobTargetSizeBytes: Number(arg) } : {};
}

if (mode === 'baseline') {
  const n = Number(rest[0]);
  const key = hexGen(61);
  const val = hexGen(62);
  fullGc();
  const rss0 = process.memoryUsage.rss();
  const held: [string, string, number, number][] = new Array(n);
  for (let i = 0; i < n; i++) held[i] = [key(), val(), 0, 1];
  fullGc();
  const growth = (process.memoryUsage.rss() - rss0) / MiB;
  reportToParent({ growthMiB: growth, held: held.length });
} else if (mode === 'builder') {
  const [path, shard, nArg, target] = rest;
  const n = Number(nArg);
  const key = hexGen(61);
  const val = hexGen(62);
  const client = await PersistClient.openSandbox(path, config(target));
  const w = await client.openWriter(shard, strings);
  fullGc();
  const tracker = new RssTracker();
  const t0 = performance.now();
  const b = w.builder([0]);
  for (let i = 0; i < n; i++) {
    await b.add(key(), val(), 0, 1);
    if ((i & 0xffff) === 0) tracker.sample();
  }
  const batch = await b.finish([1]);
  const res = await w.compareAndAppendBatch([batch], [0], [1]);
  const ms = performance.now() - t0;
  const growth = tracker.stop();
  if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
  const info = await client.inspectShard(shard);
  await client.close();
  reportToParent({
    growthMiB: growth,
    updatesPerSec: (n * 1000) / ms,
    parts: info.stats.parts,
    bytes: info.stats.bytes,
  });
} else if (mode === 'cursor') {
  const [path, shard, nArg, target] = rest;
  const n = Number(nArg);
  const client = await PersistClient.openSandbox(path, config(target));
  const r = await client.openLeasedReader(shard, strings);
  fullGc();
  const tracker = new RssTracker();
  const t0 = performance.now();
  let count = 0;
  let chunks = 0;
  for await (const chunk of r.snapshotCursor([0])) {
    count += chunk.length;
    if ((++chunks & 15) === 0) tracker.sample();
  }
  const ms = performance.now() - t0;
  const growth = tracker.stop();
  await client.close();
  if (count !== n) throw new Error(`cursor read ${count} updates, expected ${n}`);
  reportToParent({ growthMiB: growth, updatesPerSec: (n * 1000) / ms, chunks });
} else {
  throw new Error(`unknown mode ${mode}`);
}
