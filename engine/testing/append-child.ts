// A writer in its own OS process: appends one update per step to a shard of a sandbox file and
// prints `ack <key> <time>` for every append the engine acknowledged. Used by multi-process tests.
import { PersistClient, codecs } from '../index.js';

const [path, shard, countArg, tag, bigArg] = process.argv.slice(2);
const count = Number(countArg);
const big = Number(bigArg ?? 0);

const client = await PersistClient.openSandbox(path);
const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });
for (let i = 0; i < count; i++) {
  const key = `${tag}-${i}`;
  for (;;) {
    const upper = await w.fetchRecentUpper();
    const t = upper[0] as number;
    // Every few steps also write a batch big enough to go to blob rather than inline.
    const updates: [string, string, number, number][] = [[key, 'v', t, 1]];
    if (big > 0 && i % 5 === 0) for (let j = 0; j < big; j++) updates.push([`${key}/pad${j}`, 'x'.repeat(32), t, 1]);
    const res = await w.compareAndAppend(updates, upper, [t + 1]);
    if (res.ok) {
      process.stdout.write(`ack ${key} ${t}\n`);
      break;
    }
  }
}
await client.close();
process.stdout.write('done\n');
