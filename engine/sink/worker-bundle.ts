// Starting a sink worker from TypeScript source through tsx (worker-boot.mjs) gives each worker
// its own loader thread and a transform of every module it imports: about 0.7 s of CPU per
// worker, more than the workers then spend on 1e6 updates. Instead the worker's modules are
// bundled once per process with esbuild (which tsx brings; 40 KB, about 0.2 s, off this thread)
// into node_modules/.cache, named by the bundle's hash, where apache-arrow and better-sqlite3
// (left out of the bundle) still resolve. Without esbuild the tsx boot remains.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let bundled: Promise<URL | null> | null = null;

/** The bundled worker's URL, or null where it cannot be built (then boot through tsx). */
export function bundledWorker(): Promise<URL | null> {
  bundled ??= build().catch(() => null);
  return bundled;
}

/**
 * The parent's node flags without tsx's loader: workers inherit execArgv, and tsx's hooks would
 * start their loader thread in each worker even for the bundle, which needs none.
 */
export function execArgvWithoutTsx(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const flag = /^--(require|import|loader|experimental-loader)$/.test(a) || a === '-r';
    if (flag && i + 1 < args.length && /tsx/.test(args[i + 1])) {
      i++;
      continue;
    }
    if (/^--(require|import|loader|experimental-loader)=.*tsx/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/** The nearest directory above `from` whose node_modules holds apache-arrow. */
function projectRoot(from: string): string | null {
  for (let d = dirname(from); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', 'apache-arrow'))) return d;
    if (dirname(d) === d) return null;
  }
}

async function build(): Promise<URL | null> {
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const root = existsSync(entry) ? projectRoot(entry) : null;
  if (!root) return null;
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    external: ['better-sqlite3', 'apache-arrow', 'apache-arrow/*'],
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = join(root, 'node_modules', '.cache', 'shardscope');
  const file = join(dir, `sink-worker-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Another process may be writing the same bundle: each writes its own file and renames it.
    const tmp = `${file}.${process.pid}-${Date.now()}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}
