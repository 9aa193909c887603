// Builds a sandbox for a spec straight through the engine, with background compaction off (the
// host compacts only after its own writes, so opening the file later keeps the shape):
//   node --import tsx e2e/make-shard.ts <file> batches <n> <name>   n single-row batches, all in L0
//   node --import tsx e2e/make-shard.ts <file> rows <n> <name>      n rows in appends of 50,000
// Prints the shard id.
import { codecs, newShardId, PersistClient } from '../engine/index.js';

const [file, kind, nText, name] = process.argv.slice(2);
const n = Number(nText);
if (!file || !['batches', 'rows'].includes(kind) || !Number.isSafeInteger(n) || n < 1 || !name) {
  console.error('usage: make-shard.ts <file> batches|rows <n> <name>');
  process.exit(2);
}
const client = await PersistClient.openSandbox(file, { compactionEnabled: false });
const shard = newShardId();
const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string, diagnostics: { shardName: name, handlePurpose: 'e2e fixture' } });
if (kind === 'batches') {
  for (let t = 0; t < n; t++) {
    const r = await w.compareAndAppend([[`k${t % 100}`, `v${t}`, t, 1]], [t], [t + 1]);
    if (!r.ok) throw new Error(`append ${t} failed`);
  }
} else {
  const step = 50_000;
  for (let start = 0, t = 0; start < n; start += step, t++) {
    const us: [string, string, number, number][] = [];
    for (let i = start; i < Math.min(n, start + step); i++) us.push([`k${String(i).padStart(7, '0')}`, `v${i}`, t, 1]);
    const r = await w.compareAndAppend(us, [t], [t + 1]);
    if (!r.ok) throw new Error(`append at ${start} failed`);
  }
}
await w.expire();
await client.close();
console.log(shard);
