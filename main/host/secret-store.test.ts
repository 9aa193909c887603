// Where secrets are kept: sealed by safeStorage, refused where the OS has no encryption, the
// web host's --profiles file, and the words the Profiles section shows for each.
//
// Electron's safeStorage cannot run in this test process (no Electron here), so a stand-in with its
// shape is used: the contract that matters is that what is stored is not the secret and comes back.
import { describe, expect, it } from 'vitest';
import { describeSecrets, fileSecrets, safeStorageSecrets } from './secret-store.js';

const xorStorage = (available: boolean) => ({
  isEncryptionAvailable: () => available,
  encryptString: (s: string) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)),
  decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8'),
});

describe('secret stores', () => {
  it('safeStorage seals (never the plain text) and opens again; unavailable encryption gives none', () => {
    const s = safeStorageSecrets(xorStorage(true))!;
    const sealed = s.seal('hunter2');
    expect(sealed).toMatch(/^enc:/);
    expect(sealed).not.toContain('hunter2');
    expect(s.open(sealed)).toBe('hunter2');
    expect(safeStorageSecrets(xorStorage(false))).toBeNull();
  });

  it('the --profiles file store does not pretend to open what a keychain sealed', () => {
    expect(fileSecrets.open(fileSecrets.seal('pw'))).toBe('pw');
    expect(() => fileSecrets.open(safeStorageSecrets(xorStorage(true))!.seal('pw'))).toThrow(/another secret store/);
  });

  it('says where secrets are, in words', () => {
    expect(describeSecrets('encrypted', '/u/profiles.json').words).toMatch(/encrypted with the operating system's keychain.*never written in plain text/);
    expect(describeSecrets('memory', '/u/p.json', 'no-os-encryption').words).toMatch(/not saved to disk/);
    expect(describeSecrets('memory', '/u/p.json', 'web-default').words).toMatch(/memory only.*--profiles FILE/);
    expect(describeSecrets('file', '/srv/p.json').words).toMatch(/saved in \/srv\/p.json \(readable by your user only, mode 0600\)/);
  });
});
