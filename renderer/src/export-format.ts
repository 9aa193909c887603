// The two export formats of the Data tab, one row at a time. CSV cells that a spreadsheet would
// run as a formula (starting with =, +, -, @, tab or CR) are prefixed with ' (formula
// neutralisation, OWASP's "CSV injection"), so opening an export never executes shard data.
import type { DataRow } from '../../preload/contract';

export type ExportFormat = 'csv' | 'jsonl';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: neutralised, then quoted when it holds a quote, comma or line break. */
export function csvCell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'key,val,time,diff\n';

export function csvLine(r: DataRow): string {
  return `${csvCell(r.key)},${csvCell(r.val)},${r.time},${r.diff}\n`;
}

/** JSON Lines: the displayed text of key and value as strings (JSON values are their JSON text). */
export function jsonLine(r: DataRow): string {
  return `${JSON.stringify({ key: r.key, val: r.val, time: r.time, diff: r.diff })}\n`;
}

export const EXPORT_TYPES: Record<ExportFormat, { mime: string; ext: string; header: string; line: (r: DataRow) => string }> = {
  csv: { mime: 'text/csv', ext: 'csv', header: CSV_HEADER, line: csvLine },
  jsonl: { mime: 'application/x-ndjson', ext: 'jsonl', header: '', line: jsonLine },
};
