import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidUsageError } from '../errors.js';
import { blobConformance, tempDir } from './conformance.test-util.js';
import { decodeSegment, encodeSegment } from './file-keys.js';
import { FileBlob } from './file.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

blobConformance('file', async () => {
  const dir = join(tmp.dir, `root${n++}`);
  return { a: new FileBlob(dir), b: new FileBlob(dir, { fsync: false }) };
});

describe('FileBlob layout', () => {
  it('maps key segments to directories with readable names', async () => {
    const dir = join(tmp.dir, 'layout');
    const blob = new FileBlob(dir);
    await blob.set('s0f1e2/part/abc-123', new Uint8Array([1]));
    expect(existsSync(join(dir, 's0f1e2', 'part', 'abc-123.blob'))).toBe(true);
    // No temp files are left behind, and deleting prunes the now empty directories.
    expect(readdirSync(join(dir, 's0f1e2', 'part'))).toEqual(['abc-123.blob']);
    await blob.delete('s0f1e2/part/abc-123');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('encodes segments reversibly', () => {
    for (const s of ['', 'abc', 'ABC', 'a.b', 'a%b', 'ä€😀', '..', '.tmp-x', 'con', 'x.blob']) {
      const e = encodeSegment(s);
      expect(e).toMatch(/^([a-z0-9_-]|%[0-9A-F]{2}|%)+$/);
      expect(e.includes('.')).toBe(false);
      expect(decodeSegment(e)).toBe(s);
    }
  });

  it('ignores foreign files and leftover temp files when listing', async () => {
    const dir = join(tmp.dir, 'foreign');
    const blob = new FileBlob(dir);
    await blob.set('k', new Uint8Array([1]));
    writeFileSync(join(dir, '.tmp-123'), 'partial');
    writeFileSync(join(dir, 'README.txt'), 'hi');
    expect(await blob.list('')).toEqual([{ key: 'k', sizeBytes: 1 }]);
  });

  it('refuses a root that is a file', () => {
    const file = join(tmp.dir, 'plainfile');
    writeFileSync(file, 'x');
    expect(() => new FileBlob(file)).toThrow(InvalidUsageError);
    expect(() => new FileBlob(file)).toThrow(/plainfile/);
  });
});
