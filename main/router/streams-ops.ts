// The router's streams and import handlers: the location's streams runtime (main/host/streams.ts)
// and import jobs (main/host/import.ts). Engine results become plain contract JSON; the
// runtime's user errors (InvalidSeal, InvalidSince, CodecMismatch) cross as InvalidUsage with
// the engine's message, an unknown stream as NotFound.
import type { z } from 'zod';
import type { streamsRequestSchemas, StreamsResults } from '../../preload/streams-contract.js';
import { pickImportFile } from '../host/import-sources.js';
import { streamsOf } from '../host/streams-of.js';
import type { Host } from '../host/types.js';

type StreamsMethod = keyof typeof streamsRequestSchemas;
type StreamsHandlers = { [M in StreamsMethod]: (p: z.output<(typeof streamsRequestSchemas)[M]>) => Promise<StreamsResults[M]> };

export function streamsHandlers(host: Host): StreamsHandlers {
  const at = (location: string) => streamsOf(host.location(location));
  return {
    'streams.list': (p) => at(p.location).streams.list(),
    'streams.create': (p) => at(p.location).streams.create(p.name, p.keyCodec, p.valCodec),
    'streams.write': (p) => at(p.location).streams.write(p.stream, p.updates),
    'streams.snapshot': (p) => at(p.location).streams.snapshot(p.stream, p.limit),
    'streams.seal': (p) => at(p.location).streams.seal(p.stream, p.upper),
    'streams.allowCompaction': (p) => at(p.location).streams.allowCompaction(p.stream, p.since),
    'streams.destroy': (p) => at(p.location).streams.destroy(p.stream, p.confirmName),
    'streams.writeAtomic': (p) => at(p.location).streams.writeAtomic(p.writes),
    'import.pickFile': () => pickImportFile(),
    'import.start': (p) => at(p.location).imports.start(p.shard, p.source, p.workers),
    'import.cancel': async (p) => at(p.location).imports.cancel(p.job),
    'import.status': async (p) => at(p.location).imports.status(p.job),
  };
}

/** events.subscribe topic 'import': the job's progress and outcome, pushed. */
export function watchImport(host: Host, location: string, job: string, onJob: Parameters<ReturnType<typeof streamsOf>['imports']['watch']>[1]): () => void {
  return streamsOf(host.location(location)).imports.watch(job, onJob);
}
