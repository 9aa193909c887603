// Blob as files under a directory (`file:///abs/dir`).
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidUsageError, LocationError } from '../errors.js';
import type { Blob, BlobMeta } from './types.js';
import { BLOB_SUFFIX, decodeSegment, encodeSegment, keyToSegments } from './file-keys.js';
import { checkKey, plainBytes } from './validate.js';

export interface FileBlobOptions {
  /** fsync each value (and its directory) before set resolves, so a power cut cannot leave a torn file. */
  fsync?: boolean;
}

const errno = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? '';

export class FileBlob implements Blob {
  private closed = false;
  private readonly fsync: boolean;

  /** Creates the directory if needed. */
  constructor(
    readonly root: string,
    options: FileBlobOptions = {},
  ) {
    this.fsync = options.fsync ?? true;
    try {
      mkdirSync(root, { recursive: true });
      if (!statSync(root).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (e) {
      throw new InvalidUsageError('InvalidLocation', `cannot use ${root} as a blob directory: ${(e as Error).message}`);
    }
  }

  private path(key: string): string {
    checkKey(key);
    if (this.closed) throw new Error(`file blob ${this.root} is closed`);
    return join(this.root, ...keyToSegments(key));
  }

  private fail(e: unknown, what: string, key: string, determinate: boolean): LocationError {
    return new LocationError(`${what} ${key} in ${this.root} failed: ${(e as Error).message}`, determinate, { cause: e });
  }

  async get(key: string): Promise<Uint8Array | null> {
    const file = this.path(key);
    try {
      return plainBytes(await readFile(file));
    } catch (e) {
      if (errno(e) === 'ENOENT') return null;
      throw this.fail(e, 'get', key, true);
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const file = this.path(key);
    const dir = dirname(file);
    // A concurrent delete may remove the (then empty) directory between mkdir and the write.
    for (let attempt = 0; ; attempt++) {
      const tmp = join(dir, `.tmp-${randomUUID()}`);
      let renamed = false;
      try {
        await mkdir(dir, { recursive: true });
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(value);
          if (this.fsync) await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, file);
        renamed = true;
        if (this.fsync) await syncDir(dir);
        return;
      } catch (e) {
        if (!renamed) await unlink(tmp).catch(() => undefined);
        if (errno(e) === 'ENOENT' && !renamed && attempt < 5) continue;
        throw this.fail(e, 'set', key, !renamed);
      }
    }
  }

  async delete(key: string): Promise<number | null> {
    const file = this.path(key);
    let size: number;
    try {
      size = (await stat(file)).size;
      await unlink(file);
    } catch (e) {
      if (errno(e) === 'ENOENT') return null;
      throw this.fail(e, 'delete', key, true);
    }
    await this.pruneEmptyDirs(dirname(file));
    return size;
  }

  /** Empty directories left by deletes would otherwise pile up (one per shard and kind). */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.length > this.root.length && dir.startsWith(this.root)) {
      try {
        await rmdir(dir);
      } catch {
        return; // Not empty, or already gone: either way nothing above it is empty because of us.
      }
      dir = dirname(dir);
    }
  }

  async list(prefix: string): Promise<BlobMeta[]> {
    if (this.closed) throw new Error(`file blob ${this.root} is closed`);
    // Start in the directory of the prefix's complete segments; its last, partial segment filters.
    const segs = prefix.split('/').slice(0, -1);
    const base = segs.length ? segs.join('/') + '/' : '';
    const out: BlobMeta[] = [];
    try {
      await this.walk(join(this.root, ...segs.map(encodeSegment)), base, prefix, out);
    } catch (e) {
      throw this.fail(e, 'list', prefix || '(all)', true);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(dir: string, keyPrefix: string, prefix: string, out: BlobMeta[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return;
      throw e;
    }
    await Promise.all(
      entries.map(async (ent) => {
        const full = join(dir, ent.name);
        if (ent.isFile() && ent.name.endsWith(BLOB_SUFFIX)) {
          const seg = decodeSegment(ent.name.slice(0, -BLOB_SUFFIX.length));
          const key = keyPrefix + seg;
          if (seg === null || !key.startsWith(prefix)) return;
          try {
            out.push({ key, sizeBytes: (await stat(full)).size });
          } catch (e) {
            if (errno(e) !== 'ENOENT') throw e; // Deleted while listing: not there.
          }
        } else if (ent.isDirectory()) {
          const seg = decodeSegment(ent.name);
          if (seg === null) return;
          const sub = keyPrefix + seg + '/';
          // Descend only where keys can still start with the prefix.
          if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.walk(full, sub, prefix, out);
        }
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the file itself was synced.
  }
}
