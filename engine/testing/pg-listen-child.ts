// A process that does nothing but wait for a change to one key of a PostgreSQL consensus: it must
// stay alive until the change arrives (prints `woke <seqno>`), then exit on its own.
import { PostgresConsensus } from '../location/postgres.js';

const [uri, key] = process.argv.slice(2);
const c = await PostgresConsensus.open(uri, { pollIntervalMs: 60_000 });
const off = c.watch(key, (seqno) => {
  process.stdout.write(`woke ${seqno}\n`);
  off();
  void c.close();
});
process.stdout.write('watching\n');
