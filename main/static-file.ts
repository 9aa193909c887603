// Which file a request path names under a folder of static files, for both hosts (the web host's
// static server and Electron's app://). Only regular files whose real path (symlinks resolved)
// lies under the folder's real path; an undecodable or traversing path names nothing.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

export interface StaticFile {
  path: string;
  size: number;
}

function decodePath(pathname: string): string | null {
  try {
    const rel = decodeURIComponent(pathname === '/' || pathname === '' ? '/index.html' : pathname);
    return rel.includes('\0') ? null : rel;
  } catch {
    return null;
  }
}

export async function resolveStaticFile(rootDir: string, pathname: string): Promise<StaticFile | null> {
  const rel = decodePath(pathname);
  if (rel === null) return null;
  let root: string;
  let file: string;
  try {
    root = await realpath(rootDir);
    file = await realpath(join(root, rel));
  } catch {
    return null;
  }
  const r = relative(root, file);
  if (r === '' || r.startsWith('..' + sep) || r === '..' || isAbsolute(r)) return null;
  const info = await stat(file).catch(() => null);
  if (!info || !info.isFile()) return null;
  return { path: file, size: info.size };
}
