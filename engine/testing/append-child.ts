// A writer in its own OS process on a sandbox file (see append-loop.ts). Used by multi-process tests.
import { PersistClient } from '../index.js';
import { appendLoop } from './append-loop.js';

const [path, shard, countArg, tag, bigArg] = process.argv.slice(2);
await appendLoop(await PersistClient.openSandbox(path), shard, Number(countArg), tag, Number(bigArg ?? 0));
