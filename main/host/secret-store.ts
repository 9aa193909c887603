// Where a profile's secrets (the PostgreSQL password, the S3 secret key) may be kept, and how.
// Three answers, each said to the user in words (`describe`):
//   encrypted: the desktop app with Electron safeStorage (the OS keychain holds the key), so the
//              profiles file never holds a secret in plain text;
//   file:      the web host started with `--profiles FILE`: the operator asked for a file, kept at
//              mode 0600 as ~/.pgpass is (there is no keychain a server process could use);
//   memory:    everywhere else (the web host by default, a desktop without OS encryption): secrets
//              live until the process ends and are never written anywhere.
// This module never imports electron: safeStorage is typed by its shape.

export type SecretsAt = 'encrypted' | 'file' | 'memory';

/** Seals a secret for the profiles file and opens it again. */
export interface SecretStore {
  readonly at: Exclude<SecretsAt, 'memory'>;
  seal(plain: string): string;
  open(sealed: string): string;
}

/** The part of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(s: string): Buffer;
  decryptString(b: Buffer): string;
}

/** Electron: safeStorage, or null where the OS offers no encryption (secrets then stay in memory). */
export function safeStorageSecrets(safeStorage: SafeStorageLike): SecretStore | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  return {
    at: 'encrypted',
    seal: (s) => `enc:${safeStorage.encryptString(s).toString('base64')}`,
    open: (s) => {
      // Older files sealed without the prefix are base64 of the same encryption.
      const b64 = s.startsWith('enc:') ? s.slice(4) : s;
      return safeStorage.decryptString(Buffer.from(b64, 'base64'));
    },
  };
}

/**
 * The web host with `--profiles FILE`: secrets in the file itself, which is written at 0600. Never
 * used by the desktop app. Refuses to open an `enc:` value: that one was sealed by a keychain.
 */
export const fileSecrets: SecretStore = {
  at: 'file',
  seal: (s) => `plain:${s}`,
  open: (s) => {
    if (!s.startsWith('plain:')) throw new Error('sealed by another secret store');
    return s.slice('plain:'.length);
  },
};

/** What the UI says about where this host keeps secrets, and why. */
export interface SecretsInfo {
  at: SecretsAt;
  /** the profiles file (null: profiles are not saved at all) */
  file: string | null;
  /** in words, for the Profiles section */
  words: string;
}

export function describeSecrets(at: SecretsAt, file: string | null, why?: 'no-os-encryption' | 'web-default'): SecretsInfo {
  const words =
    at === 'encrypted'
      ? `Passwords and secret keys are encrypted with the operating system's keychain (Electron safeStorage) in ${file}; they are never written in plain text.`
      : at === 'file'
        ? `Passwords and secret keys are saved in ${file} (readable by your user only, mode 0600), as this web host was started with --profiles.`
        : why === 'no-os-encryption'
          ? 'This system offers no encryption for saved secrets (Electron safeStorage is unavailable), so passwords and secret keys are not saved to disk: they are kept until you quit and must be typed again after.'
          : 'Passwords and secret keys are kept in memory only and must be typed again after this web host restarts (start it with --profiles FILE to keep them in a file).';
  return { at, file, words };
}
