// The contract's operator-tool requests (health, diff over time, since what-if, copy a shard
// home): schemas main validates, and the plain-JSON results. Spread into contract.ts.
import { z } from 'zod';

type Frontier = number | null;

const location = z.string().min(1).max(200);
const shard = z.string().regex(/^s[0-9a-f-]{36}$/, 'a shard id (s<uuid>)');
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export type HealthSeverity = 'error' | 'warning' | 'info';

export type HealthActionInfo =
  | { kind: 'expire-reader'; shard: string; readerId: string }
  | { kind: 'expire-writer'; shard: string; writerId: string }
  | { kind: 'force-compaction'; shard: string }
  | { kind: 'force-gc'; shard: string }
  | { kind: 'delete-unreferenced-blobs'; keys: string[] }
  | { kind: 'finalize'; shard: string };

export interface FindingInfo {
  shard: string | null;
  kind: string;
  severity: HealthSeverity;
  summary: string;
  why: string;
  blame: { role: string; id: string; purpose: string; hostname: string | null; lastHeartbeatMs: number | null; since: Frontier | undefined }[];
  action: HealthActionInfo | null;
  details: Record<string, number | string | null>;
}

export interface ShardHealthInfo {
  shard: string;
  name: string | null;
  severity: HealthSeverity | 'ok';
  findings: FindingInfo[];
}

export interface LocationHealthInfo {
  shards: ShardHealthInfo[];
  location: FindingInfo[];
  counts: Record<HealthSeverity, number>;
  checkedAtMs: number;
}

export interface DiffInfo {
  from: number;
  to: number;
  rows: { key: unknown; val: unknown; diff: number }[];
  addedRows: number;
  removedRows: number;
  added: number;
  removed: number;
  truncated: boolean;
}

export interface WhatIfInfo {
  since: number;
  current: { since: Frontier; upper: Frontier; batches: number; parts: number; rows: number; bytes: number };
  after: { batches: number; parts: number; rows: number; bytes: number };
  lostAsOf: { from: number; to: number } | null;
  readersBehind: { id: string; purpose: string; since: Frontier }[];
  cached: boolean;
}

export interface CopyInfo {
  shard: string;
  name: string | null;
  asOf: number;
  rows: number;
}

const action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('expire-reader'), shard, readerId: z.string().regex(/^[rc][0-9a-f-]{36}$/) }).strict(),
  z.object({ kind: z.literal('expire-writer'), shard, writerId: z.string().regex(/^w[0-9a-f-]{36}$/) }).strict(),
  z.object({ kind: z.literal('force-compaction'), shard }).strict(),
  z.object({ kind: z.literal('force-gc'), shard }).strict(),
  z.object({ kind: z.literal('delete-unreferenced-blobs'), keys: z.array(z.string().min(1).max(1024)).min(1).max(100_000) }).strict(),
  z.object({ kind: z.literal('finalize'), shard }).strict(),
]);

const sqlitePath = z.string().min(1).max(4096).regex(/\.sqlite$/, 'a .sqlite file');
const jobId = z.string().uuid();

/** A long operator job run from the app, with pushed progress and Cancel. */
export type JobKind = 'what-if' | 'copy' | 'save-copy';

export interface JobResults {
  'what-if': WhatIfInfo;
  copy: CopyInfo & { path: string };
  'save-copy': { pages: number; path: string };
}

export interface JobInfo<K extends JobKind = JobKind> {
  id: string;
  kind: K;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  startedAtMs: number;
  finishedAtMs: number | null;
  /** parts merged (what-if), rows copied (copy, total: updates stored, an upper bound), bytes written (save-copy) */
  progress: { done: number; total: number | null; unit: 'parts' | 'rows' | 'bytes' } | null;
  result: JobResults[K] | null;
  error: { code: string; message: string } | null;
  cancelRequested: boolean;
}

/** Topics of events.subscribe for operator jobs (spread into contract.ts's union). */
export const adminTopicSchemas = [z.object({ topic: z.literal('job'), location, jobId }).strict()] as const;

export type AdminPushEvent = { topic: 'job'; job: JobInfo };

export const adminRequestSchemas = {
  'health.location': z.object({ location }).strict(),
  'health.shard': z.object({ location, shard }).strict(),
  /** `confirm` is the shard id the action is on (or "delete" for leaked blobs): the usual typed confirmation */
  'health.act': z.object({ location, action, confirm: z.string().max(200) }).strict(),
  'shard.diff': z
    .object({ location, shard, from: time, to: time, filter: z.string().max(200).optional(), limit: z.number().int().min(1).max(100_000).default(5000) })
    .strict()
    .refine((p) => p.from < p.to, { message: 'from must be before to', path: ['from'] }),
  /** the diff of what was appended between two retained state versions (see shard.versions) */
  'shard.diffVersions': z
    .object({ location, shard, fromSeqno: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), toSeqno: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), filter: z.string().max(200).optional(), limit: z.number().int().min(1).max(100_000).default(5000) })
    .strict(),
  'shard.whatIf': z.object({ location, shard, since: time }).strict(),
  'shard.copyToSandbox': z
    .object({ location, shard, asOf: time.optional(), path: z.string().min(1).max(4096).regex(/\.sqlite$/, 'a .sqlite file') })
    .strict(),
  'sandbox.saveCopy': z.object({ location, path: sqlitePath }).strict(),
  /**
   * Starts a job (what-if: joins the running one for the same since, and cancels one for another
   * since of the shard, as the slider moved on). Its progress and end are pushed on topic 'job'.
   */
  'job.start': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('what-if'), location, shard, since: time }).strict(),
    z.object({ kind: z.literal('copy'), location, shard, asOf: time.optional(), path: sqlitePath }).strict(),
    z.object({ kind: z.literal('save-copy'), location, path: sqlitePath }).strict(),
  ]),
  'job.status': z.object({ location, jobId }).strict(),
  'job.cancel': z.object({ location, jobId }).strict(),
};

export interface AdminResults {
  'health.location': LocationHealthInfo;
  'health.shard': ShardHealthInfo;
  'health.act': { done: string };
  'shard.diff': DiffInfo;
  'shard.diffVersions': DiffInfo;
  'shard.whatIf': WhatIfInfo;
  'shard.copyToSandbox': CopyInfo;
  'sandbox.saveCopy': { pages: number };
  'job.start': JobInfo;
  'job.status': JobInfo;
  'job.cancel': JobInfo;
}
