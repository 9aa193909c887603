// The build's fuse hook flips the right fuses in an Electron binary: here a stand-in file with
// Electron's fuse wire (the sentinel, version 1, one byte per fuse), read back by @electron/fuses.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCurrentFuseWire, FuseState, FuseV1Options } from '@electron/fuses';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../engine/testing/util.js';
import afterPack, { FUSES } from '../scripts/electron-fuses.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function fakeElectron(path: string): void {
  const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX');
  // Electron's defaults: everything enabled that a stock build enables.
  const wire = Buffer.from([1, 9, ...'101100100'.split('').map((c) => c.charCodeAt(0))]);
  writeFileSync(path, Buffer.concat([Buffer.alloc(4096, 0x11), sentinel, wire, Buffer.alloc(4096, 0x22)]));
}

describe('scripts/electron-fuses.ts', () => {
  it('the afterPack hook turns RunAsNode, NODE_OPTIONS and --inspect off; cookie encryption, ASAR integrity and ASAR-only on', async () => {
    const out = join(tmp.dir, 'linux-unpacked');
    mkdirSync(out);
    fakeElectron(join(out, 'shardscope'));
    await afterPack({ appOutDir: out, electronPlatformName: 'linux', packager: { appInfo: { productFilename: 'Shardscope' } } });
    const wire = await getCurrentFuseWire(join(out, 'shardscope'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });
});
