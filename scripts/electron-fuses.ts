// Electron fuses for a packaged Shardscope, flipped in the binary at build time (they cannot be
// changed at run time, which is the point): no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS or
// --inspect, encrypted cookies, and the app loaded only from its integrity-checked app.asar.
//
// Use: as electron-builder's afterPack hook (`"afterPack": "scripts/electron-fuses.ts"` through
// tsx), or by hand on a packaged binary: `npx tsx scripts/electron-fuses.ts path/to/Shardscope`.
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';

export const FUSES: FuseV1Config = {
  version: FuseVersion.V1,
  // macOS: re-sign ad hoc after changing the binary so it still starts (real signing comes later).
  resetAdHocDarwinSignature: process.platform === 'darwin',
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/** The Electron executable inside electron-builder's output folder for a platform. */
export function executableIn(appOutDir: string, platform: string, productName: string): string {
  if (platform === 'darwin' || platform === 'mas') return join(appOutDir, `${productName}.app`, 'Contents', 'MacOS', productName);
  if (platform === 'win32') return join(appOutDir, `${productName}.exe`);
  return join(appOutDir, productName.toLowerCase());
}

/** electron-builder afterPack hook. */
export default async function afterPack(context: {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string } };
}): Promise<void> {
  const exe = executableIn(context.appOutDir, context.electronPlatformName, context.packager.appInfo.productFilename);
  await flipFuses(exe, FUSES);
  console.log(`[fuses] set on ${exe}`);
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const exe = process.argv[2];
  if (!exe) {
    console.error('usage: npx tsx scripts/electron-fuses.ts path/to/electron-binary');
    process.exit(2);
  }
  flipFuses(exe, FUSES).then(
    () => console.log(`[fuses] set on ${exe}`),
    (e: unknown) => {
      console.error(`[fuses] ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
