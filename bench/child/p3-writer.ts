// P3 cross-process writer: appends `count` one-update writes, each value stamped with the wall
// clock (performance.timeOrigin + now, sub-ms) just before the write, `gapMs` (jittered) apart.
// mode `engine`: compareAndAppend to a shard of a sandbox file; mode `sqlite`: a raw INSERT into
// a WAL table (the baseline's writer).
import { setTimeout as sleep } from 'node:timers/promises';
import { PersistClient, codecs } from '../../engine/index.js';
import { reportToParent, rng } from '../harness.js';
import { openDb } from '../sqlite-baselines.js';

const [mode, path, shard, countArg, gapArg] = process.argv.slice(2);
const count = Number(countArg);
const gapMs = Number(gapArg);
const next = rng(31);
const wallNow = (): number => performance.timeOrigin + performance.now();
const gap = (): Promise<void> => sleep(gapMs * (0.5 + (next() % 1000) / 1000));

if (mode === 'engine') {
  const client = await PersistClient.openSandbox(path);
  const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });
  let upper = await w.fetchRecentUpper();
  for (let i = 0; i < count; i++) {
    await gap();
    const t = upper[0] as number;
    const res = await w.compareAndAppend([[`k${i}`, String(wallNow()), t, 1]], upper, [t + 1]);
    if (!res.ok) throw new Error(`append failed: ${JSON.stringify(res)}`);
    upper = [t + 1];
  }
  await client.close();
} else if (mode === 'sqlite') {
  const db = openDb(path);
  const ins = db.prepare('INSERT INTO events (stamp) VALUES (?)');
  for (let i = 0; i < count; i++) {
    await gap();
    ins.run(wallNow());
  }
  db.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
reportToParent({ ok: true });
