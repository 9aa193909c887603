// Files an import may read, known to main only: a path the user picked in main's own dialog
// (Electron) or a temporary copy of an upload (web host). The renderer holds an opaque id, so
// no request can make main read a path the user did not choose.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { formatOf, type Format } from '../../engine/cli/rows.js';
import type { ImportSourceInfo } from '../../preload/streams-contract.js';
import { AppError } from '../router/errors.js';

/** An upload larger than this is refused while it streams (it is never held in memory). */
export const MAX_IMPORT_UPLOAD_BYTES = Number(process.env.SHARDSCOPE_MAX_IMPORT_BYTES ?? 512 * 1024 * 1024);
/** Sources not started within this are forgotten (uploads deleted). */
const SOURCE_TTL_MS = 30 * 60_000;

interface Source extends ImportSourceInfo {
  path: string;
  /** a temporary copy main deletes once it is no longer needed */
  temporary: boolean;
  timer: NodeJS.Timeout;
}

const sources = new Map<string, Source>();

function format(name: string): Format {
  try {
    return formatOf(name);
  } catch {
    throw new AppError('BadRequest', `cannot tell the format of ${name}: import a .jsonl file (one {"key","val","time","diff"} per line) or a .csv file (key,val,time,diff)`);
  }
}

function add(path: string, name: string, temporary: boolean): ImportSourceInfo {
  const fmt = format(name);
  const id = `f${randomUUID()}`;
  const timer = setTimeout(() => release(id), SOURCE_TTL_MS);
  timer.unref();
  const s: Source = { id, name, bytes: statSync(path).size, format: fmt, path, temporary, timer };
  sources.set(id, s);
  return { id, name, bytes: s.bytes, format: fmt };
}

/** A file the user picked in main's dialog. */
export function addPickedFile(path: string): ImportSourceInfo {
  return add(path, basename(path), false);
}

export class UploadTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the file is larger than ${limit} bytes, this host's limit for an import; import it with the CLI (shardscope import)`);
  }
}

/** Streams an upload to a temporary file, refusing it once it passes `limit` bytes. */
export async function addUpload(body: Readable, name: string, limit = MAX_IMPORT_UPLOAD_BYTES): Promise<ImportSourceInfo> {
  const safe = basename(name.replace(/\\/g, '/')).slice(0, 200) || 'upload.jsonl';
  format(safe); // refuse a file of an unknown kind before reading it
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-import-'));
  const path = join(dir, 'upload');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) done(new UploadTooLarge(limit));
      else done(null, chunk);
    },
  });
  try {
    // The body is piped, not pipelined: a refused upload must not destroy the request, whose
    // socket still carries the 413 answer.
    body.on('error', (e) => count.destroy(e));
    body.pipe(count);
    await pipeline(count, createWriteStream(path));
    return add(path, safe, true);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export function source(id: string): Source {
  const s = sources.get(id);
  if (!s) throw new AppError('NotFound', 'that file is no longer available (it was imported already or has expired); choose it again');
  return s;
}

/** Forgets a source, deleting a temporary copy. */
export function release(id: string): void {
  const s = sources.get(id);
  if (!s) return;
  sources.delete(id);
  clearTimeout(s.timer);
  if (s.temporary) rmSync(join(s.path, '..'), { recursive: true, force: true });
}

// ---- the native file picker (Electron registers one in main/index.ts) ---------------------------

let picker: (() => Promise<string | null>) | null = null;

export function registerImportPicker(p: () => Promise<string | null>): void {
  picker = p;
}

export async function pickImportFile(): Promise<ImportSourceInfo | null> {
  if (!picker) throw new AppError('Unsupported', 'this host has no file dialog; upload the file instead');
  const path = await picker();
  return path ? addPickedFile(path) : null;
}
