// A process writing atomically to three streams of a sandbox file in a loop, sealing now and then;
// prints `ack <i>` for every writeAtomic the runtime acknowledged. Used by the SIGKILL crash test.
import { codecs, MultiWriteHandle, startRuntime } from '../index.js';

const [path, countArg] = process.argv.slice(2);
const count = Number(countArg);
const loc = { blob: `sqlite://${path}`, consensus: `sqlite://${path}` };
const rt = await startRuntime(loc);
const hs = await Promise.all(['s0', 's1', 's2'].map((n) => rt.createOrLoad(n, codecs.string, codecs.string)));
const multi = MultiWriteHandle.of(hs.map(([w]) => w));
// Continue after the newest write of an earlier (killed) run, so that no key is written twice.
const seen = await (await hs[0][1].snapshot()).readToEnd();
const start = Math.max(Number((await rt.getDescription('s0')).upper[0]), ...seen.map(([, , t]) => t + 1));
for (let i = 0; i < count; i++) {
  const t = start + i;
  await multi.writeAtomic((b) => {
    // Different sizes per stream, some big enough to leave inline state for blob parts.
    hs.forEach(([w], j) => b.add(w, Array.from({ length: 1 + ((t + j) % 3) * 40 }, (_, n) => [`w${t}-${n}`, `s${j}`, t, 1] as const)));
  });
  process.stdout.write(`ack ${t}\n`);
  if (i % 5 === 4) await multi.sealAll(t);
}
await rt.stop();
process.stdout.write('done\n');
