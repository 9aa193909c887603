// A writer in its own OS process for the reliability runs: writes unique keys to one shard of a
// sandbox file in a loop of small compare-and-appends, blob-sized batches, appends, forced
// compactions and forced GCs, printing `at <phase>` before each step (so the parent can kill it
// there) and `ack <keys>` once the engine acknowledged a write.
//   args: <sandbox path> <shard> <tag> <mode: all | writes (no forced compaction or GC)> [seconds: stop
//   after this long, else run until killed]
import { codecs, PersistClient, type Update } from '../../engine/index.js';

const [path, shard, tag, mode, secondsArg] = process.argv.slice(2);
const until = secondsArg ? Date.now() + Number(secondsArg) * 1000 : Infinity;
const say = (line: string) => process.stdout.write(`${line}\n`);

const client = await PersistClient.openSandbox(path, {
  // small parts, inline limit and rollup threshold: every kind of step touches blob and GC
  inlineWritesMaxBytes: 128,
  blobTargetSizeBytes: 4096,
  rollupThreshold: 8,
});
const w = await client.openWriter(shard, { keyCodec: codecs.string, valCodec: codecs.string });

let i = 0;
const rows = (key: string, t: number, pad: number): Update<string, string>[] => {
  const us: Update<string, string>[] = [[key, 'v', t, 1]];
  for (let j = 0; j < pad; j++) us.push([`${key}/pad${j}`, 'x'.repeat(64), t, 1]);
  return us;
};

while (Date.now() < until) {
  const key = `${tag}-${i++}`;
  const step = i % (mode === 'writes' ? 3 : 4);
  if (step === 0 || step === 1) {
    // compare-and-append, retried at the upper the mismatch reports
    let upper = w.upper();
    for (;;) {
      const t = upper[0] as number;
      const us = rows(key, t, step === 0 ? 0 : 3);
      say('at cas');
      const res = await w.compareAndAppend(us, upper, [t + 1]);
      if (res.ok) {
        say(`ack ${us.map((u) => u[0]).join(' ')}`);
        break;
      }
      upper = res.current;
    }
  } else if (step === 2) {
    // a batch big enough for several blob parts, uploaded, then appended
    let upper = await w.fetchRecentUpper();
    for (;;) {
      const t = upper[0] as number;
      const us = rows(key, t, 200);
      say('at upload');
      const b = await w.batch(us, upper, [t + 1]);
      say('at cas');
      const res = await w.compareAndAppendBatch([b], upper, [t + 1]);
      if (res.ok) {
        say(`ack ${us.map((u) => u[0]).join(' ')}`);
        break;
      }
      await b.delete();
      upper = res.current;
    }
  } else {
    say('at compaction');
    await client.admin.forceCompaction(shard);
    say('at gc');
    await client.admin.forceGc(shard);
  }
}
await client.close();
say('done');
