// Worker-thread entry: runs merge jobs off the main thread. Part bytes come from, and output
// parts go to, the parent (which owns the location), one message at a time, so the worker holds
// about one part per input run plus one output part. An output part is encoded for its key (parts
// are bound to their keys), so the parent mints the key first.
import { parentPort } from 'node:worker_threads';
import { errorFromWire, errorToWire } from '../errors.js';
import { encodePart } from '../part/encode.js';
import type { PartRef } from '../state/types.js';
import { runMergeJob } from './merge-job.js';
import type { FromWorker, ToWorker, WorkerRequest } from './protocol.js';

const port = parentPort!;
let nextId = 1;
let cancelled: Error | null = null;
const waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function request<T>(msg: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: never) => void, reject });
    send({ ...msg, id } as FromWorker, transfer);
  });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'job':
      runMergeJob(m.job, {
        fetch: (part) => request<Uint8Array>({ type: 'fetch', part }),
        write: async (cols) => {
          const key = await request<string>({ type: 'mint' });
          const bytes = encodePart(cols, key);
          return request<PartRef>({ type: 'write', key, bytes, len: cols.len }, [bytes.buffer as ArrayBuffer]);
        },
        progress: (p) => send({ type: 'progress', ...p }),
        cancelled: () => cancelled,
        yieldBetweenChunks: true,
      }).then(
        (result) => send({ type: 'done', result }),
        (e: unknown) => send({ type: 'error', error: errorToWire(e) }),
      );
      return;
    case 'cancel':
      cancelled = new Error('compaction cancelled');
      return;
    default: {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.type === 'part') w.resolve(m.bytes as never);
      else if (m.type === 'key') w.resolve(m.key as never);
      else if (m.type === 'written') w.resolve(m.ref as never);
      else w.reject(errorFromWire(m.error));
    }
  }
});
