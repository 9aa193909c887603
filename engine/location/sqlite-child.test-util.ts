// A second OS process on a SQLite location, for the multi-process tests.
//   race <file> <key> <count>         : prints `ready`, waits for a line on stdin, then appends
//                                       `count` versions to key, racing whoever else does; prints
//                                       `won <seqno> ...`, `ms <elapsed>` and `lost <mismatches>`.
//   write <file> <key> <count> <ms>   : one version every ms milliseconds, each holding the
//                                       monotonic clock (ns) at commit, for latency measurement.
import { openSqliteConsensus } from './sqlite.js';

const [mode, file, key, countArg, msArg] = process.argv.slice(2);
const count = Number(countArg);
const consensus = openSqliteConsensus(file);
const enc = new TextEncoder();

if (mode === 'race') {
  // Both racers start together: each says ready, then waits for a line on stdin.
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  const won: number[] = [];
  let lost = 0;
  const start = performance.now();
  const t0 = process.hrtime.bigint();
  let head = (await consensus.head(key))?.seqno ?? null;
  while (won.length < count) {
    // SQLite calls are synchronous: yield between attempts so the two processes interleave
    // instead of one running its whole loop inside the other's scheduling slice.
    await new Promise((r) => setImmediate(r));
    const seqno = (head ?? 0) + 1;
    const res = await consensus.compareAndSet(key, head, { seqno, data: enc.encode(`${process.pid}:${seqno}`) });
    if (res.ok) {
      won.push(seqno);
      head = seqno;
    } else {
      lost++;
      head = res.current?.seqno ?? null;
    }
  }
  process.stdout.write(`won ${won.join(' ')}\nms ${(performance.now() - start).toFixed(1)}\nlost ${lost}\nspan ${t0} ${process.hrtime.bigint()}\n`);
} else if (mode === 'write') {
  let head = (await consensus.head(key))?.seqno ?? null;
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, Number(msArg)));
    const seqno = (head ?? 0) + 1;
    const res = await consensus.compareAndSet(key, head, { seqno, data: enc.encode(process.hrtime.bigint().toString()) });
    if (!res.ok) throw new Error(`unexpected mismatch at ${seqno}`);
    head = seqno;
  }
  process.stdout.write('done\n');
}
await consensus.close();
