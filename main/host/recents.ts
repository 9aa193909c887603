// Recently opened locations, kept in the user-data folder. URIs are stored without passwords
// (a password is never written in plain text; it must be given again when reopening).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactSecrets } from '../../engine/index.js';
import type { RecentLocation } from '../../preload/contract.js';

export type RecentTarget = { kind: 'sandbox'; path: string } | { kind: 'uri'; blob: string; consensus: string };
interface Stored extends RecentLocation {
  target: RecentTarget;
}

const MAX_RECENTS = 10;

/** A URI with every credential masked (the engine's one redaction), for storing and showing. */
export const redactUri = (uri: string): string => redactSecrets(uri);

export function labelOf(t: RecentTarget): string {
  return t.kind === 'sandbox' ? t.path : `${redactUri(t.consensus)} + ${redactUri(t.blob)}`;
}

export class Recents {
  private items: Stored[] = [];

  constructor(private readonly file: string | null) {
    if (!file) return;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Stored[];
      if (Array.isArray(parsed)) this.items = parsed.filter((x) => x && typeof x.id === 'string' && x.target);
    } catch {
      this.items = [];
    }
  }

  list(): RecentLocation[] {
    return this.items.map(({ id, label, kind, openedAtMs }) => ({ id, label, kind, openedAtMs }));
  }

  get(id: string): RecentTarget | null {
    return this.items.find((x) => x.id === id)?.target ?? null;
  }

  add(target: RecentTarget): void {
    const stored: RecentTarget =
      target.kind === 'sandbox' ? target : { kind: 'uri', blob: redactUri(target.blob), consensus: redactUri(target.consensus) };
    const label = labelOf(stored);
    const prev = this.items.find((x) => x.label === label);
    this.items = [
      { id: prev?.id ?? randomUUID(), label, kind: stored.kind, openedAtMs: Date.now(), target: stored },
      ...this.items.filter((x) => x.label !== label),
    ].slice(0, MAX_RECENTS);
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify(this.items, null, 2));
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      // recents are a convenience; failing to save them must not fail opening a location
    }
  }
}
