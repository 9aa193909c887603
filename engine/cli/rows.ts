// Update rows as users write them in files: JSON lines ({"key","val","time","diff"} or
// [key, val, time, diff]) and CSV (key,val,time,diff; an optional header). Every error names
// the line, so a malformed row in a big file is found at once.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type Row = [key: string, val: string, time: number, diff: number];
export type Format = 'jsonl' | 'csv';

export class RowError extends Error {
  override readonly name = 'RowError';
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

export function formatOf(file: string, given?: string): Format {
  const f = given ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : file.toLowerCase().match(/\.jsonl?$|\.ndjson$/) ? 'jsonl' : undefined);
  if (f !== 'jsonl' && f !== 'csv') throw new Error(`cannot tell the format of ${file}: name it .jsonl or .csv, or give --format jsonl|csv`);
  return f;
}

function checkRow(line: number, key: unknown, val: unknown, time: unknown, diff: unknown): Row {
  if (typeof key !== 'string') throw new RowError(line, `key must be a string, got ${JSON.stringify(key)}`);
  if (typeof val !== 'string') throw new RowError(line, `val must be a string, got ${JSON.stringify(val)}`);
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw new RowError(line, `time must be a non-negative integer, got ${JSON.stringify(time)}`);
  if (typeof diff !== 'number' || !Number.isSafeInteger(diff)) throw new RowError(line, `diff must be an integer, got ${JSON.stringify(diff)}`);
  return [key, val, time, diff];
}

export function parseJsonLine(text: string, line: number): Row {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RowError(line, `not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(v)) {
    if (v.length !== 4) throw new RowError(line, `expected [key, val, time, diff], got ${v.length} elements`);
    return checkRow(line, v[0], v[1], v[2], v[3]);
  }
  if (typeof v !== 'object' || v === null) throw new RowError(line, 'expected an object {"key","val","time","diff"} or an array [key, val, time, diff]');
  const o = v as Record<string, unknown>;
  return checkRow(line, o.key, o.val, o.time, o.diff ?? 1);
}

/** One CSV record on one line; quoted fields may hold commas and doubled quotes. */
export function splitCsv(text: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new RowError(line, 'unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') throw new RowError(line, 'text after a closing quote');
    } else {
      const j = text.indexOf(',', i);
      field = text.slice(i, j < 0 ? text.length : j);
      i = j < 0 ? text.length : j;
    }
    out.push(field);
    if (i >= text.length) return out;
    i++; // the comma
  }
}

export function parseCsvLine(text: string, line: number): Row | null {
  const f = splitCsv(text, line);
  if (line === 1 && f[0]?.trim().toLowerCase() === 'key' && f[1]?.trim().toLowerCase() === 'val') return null; // header
  if (f.length !== 4 && f.length !== 3) throw new RowError(line, `expected 4 fields key,val,time,diff, got ${f.length}`);
  const num = (s: string, what: string): number => {
    if (!/^\s*-?\d+\s*$/.test(s)) throw new RowError(line, `${what} must be an integer, got ${JSON.stringify(s)}`);
    return Number(s);
  };
  return checkRow(line, f[0], f[1], num(f[2], 'time'), f.length === 4 ? num(f[3], 'diff') : 1);
}

/** The rows of a file or stream, with their line numbers; blank lines are skipped. */
export async function* readRows(input: string | Readable, format: Format): AsyncGenerator<{ row: Row; line: number }> {
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: 'utf8' }) : input;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    const row = format === 'csv' ? parseCsvLine(text, line) : parseJsonLine(text, line);
    if (row) yield { row, line };
  }
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
export function progressBar(total: number, label: string, write: (s: string) => void = (s) => process.stderr.write(s)): (done: number) => void {
  const tty = !!process.stderr.isTTY;
  let lastPct = -1;
  return (done: number) => {
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (pct === lastPct || (!tty && pct % 10 !== 0 && done !== total)) return;
    lastPct = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const bar = `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total} ${label}`;
    write(tty ? `\r${bar}${done === total ? '\n' : ''}` : `${bar}\n`);
  };
}
