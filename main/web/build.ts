// `npm run serve` builds the renderer when out/renderer is missing or older than its sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function rendererIsStale(appRoot: string): boolean {
  const index = join(appRoot, 'out', 'renderer', 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = Math.max(newestMtime(join(appRoot, 'renderer')), statSync(join(appRoot, 'preload', 'contract.ts')).mtimeMs);
  return sources > built;
}

export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  const { rendererConfig } = await import('../../electron.vite.config.js');
  await build({ configFile: false, logLevel: 'warn', ...rendererConfig });
}
