// Helpers shared by the engine's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { codecs, PersistClient, type PersistConfig } from '../index.js';

export const strings = { keyCodec: codecs.string, valCodec: codecs.string };

export function memLocation(): { blob: string; consensus: string } {
  const name = randomUUID();
  return { blob: `mem://${name}`, consensus: `mem://${name}` };
}

export function memClient(config?: Partial<PersistConfig>): Promise<PersistClient> {
  return PersistClient.open(memLocation(), config);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'shardscope-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock the test moves by hand, for lease expiry. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export function sortUpdates<T extends readonly unknown[]>(us: T[]): T[] {
  return [...us].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
