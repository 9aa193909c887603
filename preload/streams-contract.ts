// The contract's streams requests (the name-based streams runtime of a location: create, write,
// seal, allow compaction, destroy, atomic writes across streams) and file imports into a shard
// through the parallel sink. Schemas main validates, and the plain-JSON results. Spread into
// contract.ts.
import { z } from 'zod';

type Frontier = number | null;

const location = z.string().min(1).max(200);
const shard = z.string().regex(/^s[0-9a-f-]{36}$/, 'a shard id (s<uuid>)');
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const diff = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const codecName = z.enum(['string', 'json', 'bytes', 'unit']);
/** a stream's name as the runtime registers it */
const stream = z.string().trim().min(1, 'a stream name').max(200);
const update = z.object({ key: z.string().max(65_536), val: z.string().max(65_536), time, diff }).strict();
const updates = z.array(update).min(1, 'at least one update').max(10_000);
const jobId = z.string().regex(/^i[0-9a-f-]{36}$/, 'an import job id (i<uuid>)');
/** an opaque id of a file main holds (picked in its own dialog, or uploaded): never a path */
const sourceId = z.string().regex(/^f[0-9a-f-]{36}$/, 'an import file id (f<uuid>)');

export interface StreamSummary {
  name: string;
  /** the stream's data shard */
  shard: string;
  /** the seal: writes below it are in the data shard */
  seal: Frontier;
  since: Frontier;
  /** acknowledged writes at or beyond the seal */
  unsealedUpdates: number;
  lastWriteMs: number | null;
  codecs: { key: string; val: string };
}

export interface StreamRow {
  key: string;
  val: string;
  time: number;
  diff: number;
}

export interface StreamSnapshotInfo {
  name: string;
  seal: Frontier;
  since: Frontier;
  /** all rows, sealed and not, in time order (bounded by limit) */
  rows: StreamRow[];
  total: number;
}

export interface AtomicWriteInfo {
  /** the log position the write committed at (one for all its streams) */
  seqno: number;
  /** read back after the commit: how many of each stream's rows its snapshot holds */
  landed: { name: string; written: number; found: number }[];
}

export interface ImportSourceInfo {
  id: string;
  /** the file's base name (never its folder) */
  name: string;
  bytes: number;
  format: 'jsonl' | 'csv';
}

export interface ImportProgressInfo {
  phase: 'checking' | 'writing' | 'appending';
  bytesRead: number;
  totalBytes: number;
  rowsDone: number;
  /** known after the checking pass */
  rowsTotal: number | null;
}

export interface ImportJob {
  id: string;
  shard: string;
  file: string;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  startedAtMs: number;
  finishedAtMs: number | null;
  progress: ImportProgressInfo;
  /** updates appended (set when done) */
  landed: number | null;
  upper: Frontier;
  error: { code: string; message: string } | null;
  cancelRequested: boolean;
}

export const streamsRequestSchemas = {
  'streams.list': z.object({ location }).strict(),
  'streams.create': z.object({ location, name: stream, keyCodec: codecName, valCodec: codecName }).strict(),
  'streams.write': z.object({ location, stream, updates }).strict(),
  'streams.snapshot': z.object({ location, stream, limit: z.number().int().min(1).max(10_000).default(1000) }).strict(),
  'streams.seal': z.object({ location, stream, upper: time }).strict(),
  'streams.allowCompaction': z.object({ location, stream, since: time }).strict(),
  /** `confirmName` is the stream's name typed by the user */
  'streams.destroy': z.object({ location, stream, confirmName: z.string().max(200) }).strict(),
  'streams.writeAtomic': z
    .object({ location, writes: z.array(z.object({ stream, updates }).strict()).min(1, 'at least one stream').max(64) })
    .strict()
    .refine((p) => new Set(p.writes.map((w) => w.stream)).size === p.writes.length, { message: 'each stream once', path: ['writes'] }),
  /** Electron: main's own file dialog; the renderer gets an id, never the file or its path */
  'import.pickFile': z.object({}).strict(),
  'import.start': z.object({ location, shard, source: sourceId, workers: z.number().int().min(1).max(8).default(2) }).strict(),
  'import.cancel': z.object({ location, job: jobId }).strict(),
  'import.status': z.object({ location, job: jobId }).strict(),
};

export interface StreamsResults {
  'streams.list': StreamSummary[];
  'streams.create': StreamSummary;
  'streams.write': { seqno: number; written: number };
  'streams.snapshot': StreamSnapshotInfo;
  'streams.seal': StreamSummary;
  'streams.allowCompaction': StreamSummary;
  'streams.destroy': { existed: boolean };
  'streams.writeAtomic': AtomicWriteInfo;
  'import.pickFile': ImportSourceInfo | null;
  'import.start': ImportJob;
  'import.cancel': ImportJob;
  'import.status': ImportJob;
}

/** The push topic of an import's progress (events.subscribe). */
export const importTopic = z.object({ topic: z.literal('import'), location, job: jobId }).strict();
export type ImportPush = { topic: 'import'; job: ImportJob };
