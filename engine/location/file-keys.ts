// How blob keys map to paths under a file:// root.
//
// Each `/`-separated segment of a key becomes a directory, the last one a file named
// `<segment>.blob`. Segments keep only [a-z0-9_-] and percent-encode every other byte (upper-case
// letters too, so keys differing in case stay apart on case-insensitive file systems, and `.`,
// so no directory can end in `.blob` and no encoded name can start like a temp file).
import { InvalidUsageError } from '../errors.js';

const SAFE = /^[a-z0-9_-]$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;
export const BLOB_SUFFIX = '.blob';

export function encodeSegment(segment: string): string {
  if (segment === '') return '%';
  let out = '';
  for (const ch of segment) {
    if (SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (WINDOWS_RESERVED.test(out)) out = `%${out.charCodeAt(0).toString(16).toUpperCase()}${out.slice(1)}`;
  if (Buffer.byteLength(out) + BLOB_SUFFIX.length > 255) {
    throw new InvalidUsageError('InvalidArgument', `blob key segment too long for a file name: ${segment.slice(0, 40)}...`);
  }
  return out;
}

/** Inverse of encodeSegment; null for names this layout never produces (foreign files). */
export function decodeSegment(name: string): string | null {
  if (name === '%') return '';
  if (!/^([a-z0-9_-]|%[0-9A-F]{2})+$/.test(name)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '%') {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(name.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Relative path segments of a key's file. */
export function keyToSegments(key: string): string[] {
  const segs = key.split('/').map(encodeSegment);
  segs[segs.length - 1] += BLOB_SUFFIX;
  return segs;
}
