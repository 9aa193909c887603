// The writer loop of the multi-process tests' children: one update per step (and every fifth step
// a batch big enough to go to blob rather than inline), printing `ack <key> <time>` for every
// append the engine acknowledged, then `done`.
import { codecs, type PersistClient } from '../index.js';

export async function appendLoop(client: PersistClient, shard: string, count: number, tag: string, big: number): Promise<void> {
  const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });
  for (let i = 0; i < count; i++) {
    const key = `${tag}-${i}`;
    for (;;) {
      const upper = await w.fetchRecentUpper();
      const t = upper[0] as number;
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
}
