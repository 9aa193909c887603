// The messages between a compaction worker thread and its parent, shared by both sides. Errors
// travel as WireError so that a CorruptDataError (with its key) or a LocationError arrives as
// itself, not as a plain Error.
import type { WireError } from '../errors.js';
import type { PartRef } from '../state/types.js';
import type { JobResult, MergeJob } from './merge-job.js';

export interface JobProgress {
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly partsIn: number;
  readonly partsTotal: number;
}

/**
 * Parent to worker: a job, answers to the worker's requests (by id), and cancellation. A worker
 * is kept warm and runs one job after another, so a job and its cancel carry the job's number: a
 * cancel that arrives after its job ended must not stop the next one.
 */
export type ToWorker =
  | { readonly type: 'job'; readonly jobId: number; readonly job: MergeJob }
  | { readonly type: 'part'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'key'; readonly id: number; readonly key: string }
  | { readonly type: 'written'; readonly id: number; readonly ref: PartRef }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly type: 'cancel'; readonly jobId: number };

/** The parent's answers to the worker's requests. */
export type Answer = Extract<ToWorker, { readonly type: 'part' | 'key' | 'written' }>;

/** Which answer each request gets. */
export interface AnswerTo {
  readonly fetch: 'part';
  readonly mint: 'key';
  readonly write: 'written';
}

/**
 * Worker to parent: requests (fetch a part's bytes; mint a key for an output part, which the part
 * is then encoded for; write the encoded part under it), progress, and the job's end.
 */
export type FromWorker =
  | { readonly type: 'fetch'; readonly id: number; readonly part: PartRef }
  | { readonly type: 'mint'; readonly id: number }
  | { readonly type: 'write'; readonly id: number; readonly key: string; readonly bytes: Uint8Array; readonly len: number }
  | ({ readonly type: 'progress' } & JobProgress)
  | { readonly type: 'done'; readonly result: JobResult }
  | { readonly type: 'error'; readonly error: WireError };

/** A request the worker sends, without its id (the worker numbers them). */
export type WorkerRequest = Extract<FromWorker, { id: number }> extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;
