// Worker-thread entry: runs merge jobs off the main thread, one after another (the parent keeps
// the worker warm between jobs). Part bytes come from, and output parts go to, the parent (which
// owns the location), one message at a time, so the worker holds about one part per input run plus
// one output part. An output part is encoded for its key (parts are bound to their keys), so the
// parent mints the key first.
import { parentPort } from 'node:worker_threads';
import { errorFromWire, errorToWire } from '../errors.js';
import { encodePart } from '../part/encode.js';
import { runMergeJob } from './merge-job.js';
import type { Answer, AnswerTo, FromWorker, ToWorker, WorkerRequest } from './protocol.js';

const port = parentPort!;
let nextId = 1;
let currentJob = 0;
let cancelled: Error | null = null;
const waiting = new Map<number, { expect: Answer['type']; resolve: (a: Answer) => void; reject: (e: Error) => void }>();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function request<R extends WorkerRequest>(msg: R, transfer: ArrayBuffer[] = []): Promise<Extract<Answer, { type: AnswerTo[R['type']] }>> {
  const id = nextId++;
  const expect: Answer['type'] = ({ fetch: 'part', mint: 'key', write: 'written' } as const satisfies AnswerTo)[msg.type];
  return new Promise((resolve, reject) => {
    waiting.set(id, { expect, resolve: resolve as (a: Answer) => void, reject });
    send({ ...msg, id } as FromWorker, transfer);
  });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'job': {
      currentJob = m.jobId;
      cancelled = null;
      runMergeJob(m.job, {
        fetch: async (part) => (await request({ type: 'fetch', part })).bytes,
        write: async (cols) => {
          const { key } = await request({ type: 'mint' });
          const bytes = encodePart(cols, key);
          return (await request({ type: 'write', key, bytes, len: cols.len }, [bytes.buffer as ArrayBuffer])).ref;
        },
        progress: (p) => send({ type: 'progress', ...p }),
        cancelled: () => cancelled,
        yieldBetweenChunks: true,
      }).then(
        (result) => send({ type: 'done', result }),
        (e: unknown) => send({ type: 'error', error: errorToWire(e) }),
      );
      return;
    }
    case 'cancel':
      if (m.jobId === currentJob) cancelled = new Error('compaction cancelled');
      return;
    default: {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.type === 'failed') w.reject(errorFromWire(m.error));
      else if (m.type !== w.expect) w.reject(new Error(`compaction worker expected ${w.expect} for request ${m.id}, got ${m.type}`));
      else w.resolve(m);
    }
  }
});
