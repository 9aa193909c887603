// Worker-thread entry: runs merge jobs off the main thread. Part bytes come from, and output
// parts go to, the parent (which owns the location), one message at a time, so the worker holds
// about one part per input run plus one output part.
import { parentPort } from 'node:worker_threads';
import { encodePart } from '../part/encode.js';
import type { PartRef } from '../state/types.js';
import { runMergeJob, type MergeJob } from './merge-job.js';

type FromParent =
  | { type: 'job'; job: MergeJob }
  | { type: 'part'; id: number; bytes: Uint8Array }
  | { type: 'written'; id: number; ref: PartRef }
  | { type: 'failed'; id: number; message: string }
  | { type: 'cancel' };

const port = parentPort!;
let nextId = 1;
let cancelled: Error | null = null;
const waiting = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();

function request<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: never) => void, reject });
    port.postMessage({ ...msg, id }, transfer);
  });
}

port.on('message', (m: FromParent) => {
  if (m.type === 'job') {
    runMergeJob(m.job, {
      fetch: (part) => request<Uint8Array>({ type: 'fetch', part }),
      write: (cols) => {
        const bytes = encodePart(cols);
        return request<PartRef>({ type: 'write', bytes, len: cols.len }, [bytes.buffer as ArrayBuffer]);
      },
      progress: (p) => port.postMessage({ type: 'progress', ...p }),
      cancelled: () => cancelled,
      yieldBetweenChunks: true,
    }).then(
      (res) => port.postMessage({ type: 'done', result: res }),
      (e: Error) => port.postMessage({ type: 'error', message: e.message, name: e.name, key: (e as { key?: string }).key }),
    );
    return;
  }
  if (m.type === 'cancel') {
    cancelled = new Error('compaction cancelled');
    return;
  }
  const w = waiting.get(m.id);
  if (!w) return;
  waiting.delete(m.id);
  if (m.type === 'part') w.resolve(m.bytes as never);
  else if (m.type === 'written') w.resolve(m.ref as never);
  else w.reject(new Error(m.message));
});
