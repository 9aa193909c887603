// P9 cross-process writer: like P3's, on any location: `sandbox:<path>` or a JSON { blob, consensus }.
// Appends `count` one-update writes, each value the wall clock just before the write, `gapMs`
// (jittered) apart.
import { setTimeout as sleep } from 'node:timers/promises';
import { PersistClient, codecs } from '../../engine/index.js';
import { reportToParent, rng } from '../harness.js';

const [where, shard, countArg, gapArg] = process.argv.slice(2);
const count = Number(countArg);
const gapMs = Number(gapArg);
const next = rng(37);
const wallNow = (): number => performance.timeOrigin + performance.now();

const client = where.startsWith('sandbox:') ? await PersistClient.openSandbox(where.slice(8)) : await PersistClient.open(JSON.parse(where));
const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });
let upper = await w.fetchRecentUpper();
for (let i = 0; i < count; i++) {
  await sleep(gapMs * (0.5 + (next() % 1000) / 1000));
  const t = upper[0] as number;
  const res = await w.compareAndAppend([[`k${i}`, String(wallNow()), t, 1]], upper, [t + 1]);
  if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
  upper = [t + 1];
}
await client.close();
reportToParent({ ok: true });
