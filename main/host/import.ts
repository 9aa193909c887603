// Import jobs of one location: a file of rows (JSON lines or CSV, parsed as the CLI's import
// parses them) appended to a shard through the parallel sink, with pushed progress and Cancel.
// Two passes, as the CLI: the first checks every row, so a malformed row names its line and
// nothing is appended; the second routes the rows through the sink, which appends them all with
// one compare-and-append when the file is done. Cancel before that append leaves the shard as it was.
import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { persistSink, type PersistClient, type PersistSink } from '../../engine/index.js';
import { readRows, RowError } from '../../engine/cli/rows.js';
import type { ImportJob } from '../../preload/streams-contract.js';
import { AppError, toContractError } from '../router/errors.js';
import { codecByName, parseValue } from './codecs.js';
import { release, source } from './import-sources.js';

const PROGRESS_PUSH_MS = 100;
const CHUNK_ROWS = 16_384;
/** Finished jobs kept for status requests. */
const MAX_JOBS = 50;

type Listener = (job: ImportJob) => void;

class Cancelled extends Error {}

interface Running {
  job: ImportJob;
  listeners: Set<Listener>;
  timer: NodeJS.Timeout | null;
}

export class Imports {
  private readonly jobs = new Map<string, Running>();
  private closed = false;

  constructor(
    private readonly client: () => PersistClient,
    private readonly onChange: () => void = () => undefined,
  ) {}

  private entry(id: string): Running {
    const r = this.jobs.get(id);
    if (!r) throw new AppError('NotFound', `no import ${id} in this location (the app keeps the last ${MAX_JOBS})`);
    return r;
  }

  status(id: string): ImportJob {
    return copy(this.entry(id).job);
  }

  /** Calls listener now and on every change (progress throttled); returns a stop. */
  watch(id: string, listener: Listener): () => void {
    const r = this.entry(id);
    r.listeners.add(listener);
    listener(copy(r.job));
    return () => r.listeners.delete(listener);
  }

  private push(r: Running, throttled = false): void {
    if (throttled) {
      r.timer ??= setTimeout(() => {
        r.timer = null;
        this.push(r);
      }, PROGRESS_PUSH_MS);
      return;
    }
    if (r.timer) clearTimeout(r.timer);
    r.timer = null;
    const j = copy(r.job);
    for (const l of [...r.listeners]) l(j);
  }

  cancel(id: string): ImportJob {
    const r = this.entry(id);
    if (r.job.state === 'running' && r.job.progress.phase !== 'appending') {
      r.job.cancelRequested = true;
      this.push(r);
    }
    return copy(r.job);
  }

  async start(shard: string, sourceId: string, workers: number): Promise<ImportJob> {
    if (this.closed) throw new AppError('Closed', 'this location is closed; open it again');
    const src = source(sourceId);
    for (const r of this.jobs.values()) {
      if (r.job.shard === shard && r.job.state === 'running') throw new AppError('Conflict', 'an import into this shard is already running; wait for it or cancel it');
    }
    const info = await this.client().inspectShard(shard);
    if (!info.upper.length) throw new AppError('InvalidUsage', `shard ${shard} is closed for writes (its upper is []); import into another shard`);
    const job: ImportJob = {
      id: `i${randomUUID()}`,
      shard,
      file: src.name,
      state: 'running',
      startedAtMs: Date.now(),
      finishedAtMs: null,
      progress: { phase: 'checking', bytesRead: 0, totalBytes: src.bytes, rowsDone: 0, rowsTotal: null },
      landed: null,
      upper: info.upper[0],
      error: null,
      cancelRequested: false,
    };
    const r: Running = { job, listeners: new Set(), timer: null };
    this.jobs.set(job.id, r);
    for (const [id, old] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) break;
      if (old.job.state !== 'running') this.jobs.delete(id);
    }
    void this.run(r, src.path, src.format, info.codecs, info.upper[0], workers)
      .then(
        () => (job.state = 'done'),
        (e: unknown) => {
          if (e instanceof Cancelled) job.state = 'cancelled';
          else {
            job.state = 'failed';
            const err = toContractError(e instanceof RowError ? new AppError('BadRequest', `${e.message}; nothing was appended`) : e);
            job.error = { code: err.code, message: err.message };
          }
        },
      )
      .finally(() => {
        job.finishedAtMs = Date.now();
        release(sourceId);
        this.push(r);
        this.onChange();
      });
    return copy(job);
  }

  private async run(r: Running, path: string, format: 'jsonl' | 'csv', codecs: { key: string; val: string }, lower: number, workers: number): Promise<void> {
    const job = r.job;
    const p = job.progress;
    const checkCancel = () => {
      if (job.cancelRequested || this.closed) throw new Cancelled();
    };
    const parse = (row: [string, string, number, number], line: number): [unknown, unknown, number, number] => {
      const [k, v, t, d] = row;
      if (t < lower) throw new RowError(line, `time ${t} is before the shard's upper ${lower}: it can no longer be written`);
      try {
        return [parseValue(codecs.key, k, 'key'), parseValue(codecs.val, v, 'value'), t, d];
      } catch (e) {
        throw new RowError(line, e instanceof Error ? e.message : String(e));
      }
    };
    const rows = async function* (onBytes: (n: number) => void) {
      const stream: ReadStream = createReadStream(path, { encoding: 'utf8' });
      try {
        let n = 0;
        for await (const { row, line } of readRows(stream, format)) {
          if (++n % 1024 === 0) onBytes(stream.bytesRead);
          yield { row: parse(row, line), line };
        }
        onBytes(stream.bytesRead);
      } finally {
        stream.destroy();
      }
    };

    // Pass 1: every row is checked before anything is written.
    let total = 0;
    let maxTime = lower - 1;
    for await (const { row } of rows((b) => {
      p.bytesRead = b;
      this.push(r, true);
    })) {
      total++;
      if (row[2] > maxTime) maxTime = row[2];
      if (total % 1024 === 0) {
        checkCancel();
        await new Promise((res) => setImmediate(res));
      }
    }
    checkCancel();
    p.phase = 'writing';
    p.rowsTotal = total;
    p.bytesRead = 0;
    this.push(r);

    // Pass 2: through the sink; nothing lands before advance.
    let sink: PersistSink<unknown, unknown> | null = null;
    let landed = 0;
    try {
      sink = await persistSink(this.client(), job.shard, {
        keyCodec: codecByName(codecs.key),
        valCodec: codecByName(codecs.val),
        workers,
        diagnostics: { shardName: job.shard, handlePurpose: `Shardscope: import ${job.file}` },
        onAppend: (e) => {
          if (e.landed) landed += e.updates;
        },
      });
      let chunk: [unknown, unknown, number, number][] = [];
      const flush = async () => {
        checkCancel();
        await sink!.write(chunk);
        p.rowsDone += chunk.length;
        chunk = [];
        this.push(r, true);
      };
      for await (const { row } of rows((b) => (p.bytesRead = b))) {
        chunk.push(row);
        if (chunk.length >= CHUNK_ROWS) await flush();
      }
      await flush();
      checkCancel();
      p.phase = 'appending';
      this.push(r);
      const upper = Math.max(lower, maxTime + 1);
      if (total > 0) await sink.advance([upper]);
      job.landed = landed;
      job.upper = total > 0 ? upper : lower;
    } finally {
      await sink?.close();
    }
  }

  close(): void {
    this.closed = true;
    for (const r of this.jobs.values()) {
      if (r.timer) clearTimeout(r.timer);
      r.listeners.clear();
    }
  }
}

const copy = (j: ImportJob): ImportJob => ({ ...j, progress: { ...j.progress }, error: j.error && { ...j.error } });
