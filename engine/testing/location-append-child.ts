// A writer in its own OS process on any location (JSON `{ blob, consensus }`; see append-loop.ts).
// Its exit code tells a crash (an unhandled storage 'error' event, say) from a clean finish.
import { PersistClient, configureRetry } from '../index.js';
import { appendLoop } from './append-loop.js';

const [locationJson, shard, countArg, tag, bigArg, retryMsArg] = process.argv.slice(2);
// Outages longer than the default bound (30 s) are ridden out, as a patient application would.
if (retryMsArg) configureRetry({ totalMs: Number(retryMsArg) });

await appendLoop(await PersistClient.open(JSON.parse(locationJson)), shard, Number(countArg), tag, Number(bigArg ?? 0));
