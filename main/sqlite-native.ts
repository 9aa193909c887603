// better-sqlite3 inside Electron needs a build for Electron's ABI. scripts/build-electron-sqlite.sh
// puts one in native/electron/; when it exists, main tells the engine where it is through
// SHARDSCOPE_SQLITE_NATIVE_BINDING (the engine passes it to better-sqlite3 as `nativeBinding`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const NATIVE_BINDING_ENV = 'SHARDSCOPE_SQLITE_NATIVE_BINDING';

export function useElectronSqlite(appRoot: string): string | null {
  if (process.env[NATIVE_BINDING_ENV]) return process.env[NATIVE_BINDING_ENV]!;
  const file = join(appRoot, 'native', 'electron', 'better_sqlite3.node');
  if (!existsSync(file)) return null;
  process.env[NATIVE_BINDING_ENV] = file;
  return file;
}
