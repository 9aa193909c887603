// A writer in its own OS process on any location (JSON `{ blob, consensus }`): appends one update
// per step and prints `ack <key> <time>` for every append the engine acknowledged. Its exit code
// tells a crash (an unhandled storage 'error' event, say) from a clean finish.
import { PersistClient, codecs, configureRetry } from '../index.js';

const [locationJson, shard, countArg, tag, bigArg, retryMsArg] = process.argv.slice(2);
const count = Number(countArg);
const big = Number(bigArg ?? 0);
// Outages longer than the default bound (30 s) are ridden out, as a patient application would.
if (retryMsArg) configureRetry({ totalMs: Number(retryMsArg) });

const client = await PersistClient.open(JSON.parse(locationJson));
const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });
for (let i = 0; i < count; i++) {
  const key = `${tag}-${i}`;
  for (;;) {
    const upper = await w.fetchRecentUpper();
    const t = upper[0] as number;
    // Every few steps a batch big enough to go to blob rather than inline.
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
