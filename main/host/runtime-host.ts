// The runtime host: owns the engine client of every opened location, and closes them all on quit.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { PersistClient, type PersistConfig } from '../../engine/index.js';
import type { AppInfo, LocationInfo, Params, RecentLocation } from '../../preload/contract.js';
import { AppError } from '../router/errors.js';
import { startDemo } from './demo.js';
import { LocationRuntime } from './location-runtime.js';
import { labelOf, Recents, type RecentTarget } from './recents.js';
import type { Host } from './types.js';
import type { LocationPolicy } from '../location-policy.js';
import type { ProfileService } from './profiles-service.js';

export interface RuntimeHostOptions {
  version: string;
  hostKind: 'electron' | 'web';
  /** opened at start; a sandbox file is created on first use */
  defaultLocation: RecentTarget;
  /** true when the user named the default location (its path may then be shown) */
  defaultChosenByUser: boolean;
  /** where recent locations are kept (null: not kept) */
  recentsFile: string | null;
  /** create and write the demo shards in the default location */
  demo: boolean;
  engineConfig?: Partial<PersistConfig>;
  /** leaked-blob cleanup spares parts younger than this (default 10 min, or SHARDSCOPE_LEAKED_MIN_AGE_MS) */
  leakedMinAgeMs?: number;
  /** a native "open file" dialog (Electron) */
  pickSandbox?: () => Promise<string | null>;
  log?: (msg: string, e?: unknown) => void;
  /** checks every location a request names (main/location-policy.ts); none: anything the engine opens */
  policy?: LocationPolicy;
  /** open locations at most (default 16): each holds a client, connections and watchers */
  maxOpenLocations?: number;
  /** saved connection profiles; the last used one reopens at start in place of the default */
  profiles?: ProfileService;
}

export const DEFAULT_LOCATION_ID = 'default';

export class RuntimeHost implements Host {
  private readonly locations = new Map<string, LocationRuntime>();
  /** each open location's full target (with its secrets), in memory only: what makes two opens the same */
  private readonly targetKeys = new Map<string, string>();
  private readonly opening = new Map<string, Promise<LocationRuntime>>();
  private readonly recents: Recents;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: RuntimeHostOptions) {
    this.recents = new Recents(opts.recentsFile);
  }

  /** Opens the default location (and starts its demo shards). */
  async start(): Promise<LocationInfo> {
    // The last used profile first, unless a location was named at start (that one wins); the
    // default only when there is none or it failed (the profile service keeps the reason for the UI).
    const last = this.opts.defaultChosenByUser ? null : await this.opts.profiles?.reopenLast(this);
    if (last) return last;
    const loc = await this.open(DEFAULT_LOCATION_ID, this.opts.defaultLocation, true);
    if (this.opts.demo) await startDemo(loc).catch((e) => this.opts.log?.('[host] demo shards failed', e));
    return loc.info;
  }

  info(): AppInfo {
    return { version: this.opts.version, host: this.opts.hostKind, canPickFiles: !!this.opts.pickSandbox };
  }

  listLocations(): { open: LocationInfo[]; recent: RecentLocation[] } {
    return { open: [...this.locations.values()].map((l) => l.info), recent: this.recents.list() };
  }

  async openLocation(p: Params<'locations.open'>): Promise<LocationInfo> {
    if (p.kind === 'default') return (await this.open(DEFAULT_LOCATION_ID, this.opts.defaultLocation, true)).info;
    let target: RecentTarget;
    if (p.kind === 'recent') {
      const t = this.recents.get(p.id);
      if (!t) throw new AppError('NotFound', 'that recent location is no longer in the list; open it by path or URI');
      target = t;
      if (t.kind === 'sandbox' && !existsSync(t.path)) {
        throw new AppError('BadRequest', `the sandbox file ${t.path} no longer exists; open it by path to create a new, empty one there`);
      }
    } else if (p.kind === 'sandbox') {
      if (!isAbsolute(p.path)) throw new AppError('BadRequest', `the sandbox path must be absolute, e.g. /home/me/shards.sqlite (got "${p.path}")`);
      target = { kind: 'sandbox', path: p.path };
    } else {
      target = { kind: 'uri', blob: p.blob, consensus: p.consensus };
    }
    // Where a location may come from first (the host's rules), then whether the user confirmed
    // creating a missing sandbox there.
    if (this.opts.policy) target = this.opts.policy.admit(target, p.kind === 'recent' ? 'recent' : 'request');
    if (p.kind === 'sandbox' && target.kind === 'sandbox') checkSandboxPath(target.path, p.create === true);
    const { loc, fresh } = await this.openAdmitted(target);
    if (fresh) this.recents.add(target);
    return loc.info;
  }

  profiles(): ProfileService | null {
    return this.opts.profiles ?? null;
  }

  /** A profile's target (admitted by the profile service): no recents entry, the profile is its own. */
  async openTarget(target: RecentTarget, label: string): Promise<LocationInfo> {
    if (target.kind === 'sandbox') checkSandboxPath(target.path, false);
    return (await this.openAdmitted(target, label)).loc.info;
  }

  private async openAdmitted(target: RecentTarget, label?: string): Promise<{ loc: LocationRuntime; fresh: boolean }> {
    // The same location is the same target with the same credentials: the label hides passwords,
    // so a request with a wrong password must not be answered with the location opened by the right one.
    const key = JSON.stringify(target);
    const same = [...this.locations.entries()].find(([id]) => this.targetKeys.get(id) === key);
    if (same) return { loc: same[1], fresh: false };
    const max = this.opts.maxOpenLocations ?? 16;
    if (this.locations.size + this.opening.size >= max) {
      throw new AppError('BadRequest', `${this.locations.size} locations are open, this host's limit (${max}); close one first`);
    }
    return { loc: await this.open(`loc${this.nextId++}`, target, false, label), fresh: true };
  }

  admitNewSandbox(path: string): string {
    if (!isAbsolute(path)) throw new AppError('BadRequest', `the sandbox path must be absolute, e.g. /home/me/copy.sqlite (got "${path}")`);
    if (existsSync(path)) throw new AppError('BadRequest', `${path} already exists: choose a new file`);
    const admitted = this.opts.policy ? this.opts.policy.admit({ kind: 'sandbox', path }, 'request') : { kind: 'sandbox' as const, path };
    if (admitted.kind !== 'sandbox') throw new AppError('BadRequest', 'a copy goes into a sandbox file');
    // Folders are never created, for a copy either.
    checkSandboxPath(admitted.path, true);
    return admitted.path;
  }

  async pickSandbox(): Promise<{ path: string } | null> {
    if (!this.opts.pickSandbox) {
      throw new AppError('Unsupported', 'this host has no file dialog; type the sandbox file\'s absolute path instead');
    }
    const path = await this.opts.pickSandbox();
    return path ? { path } : null;
  }

  private open(id: string, target: RecentTarget, isDefault: boolean, label?: string): Promise<LocationRuntime> {
    if (this.closed) return Promise.reject(new AppError('Closed', 'the app is shutting down'));
    const existing = this.locations.get(id);
    if (existing) return Promise.resolve(existing);
    let p = this.opening.get(id);
    if (p) return p;
    p = (async () => {
      const client =
        target.kind === 'sandbox'
          ? await PersistClient.openSandbox(target.path, this.opts.engineConfig)
          : await PersistClient.open({ blob: target.blob, consensus: target.consensus }, this.opts.engineConfig);
      const showPath = !isDefault || this.opts.defaultChosenByUser;
      const info: LocationInfo = {
        id,
        label: label ?? (isDefault && target.kind === 'sandbox' && !this.opts.defaultChosenByUser ? 'Sandbox' : labelOf(target)),
        kind: target.kind,
        isDefault,
        path: target.kind === 'sandbox' && showPath ? target.path : null,
      };
      const loc = new LocationRuntime(info, client, this.opts.leakedMinAgeMs, target.kind === 'sandbox' ? target.path : null);
      this.locations.set(id, loc);
      this.targetKeys.set(id, JSON.stringify(target));
      return loc;
    })();
    this.opening.set(id, p);
    p.finally(() => this.opening.delete(id)).catch(() => undefined);
    return p;
  }

  location(id: string): LocationRuntime {
    const loc = this.locations.get(id);
    if (!loc) throw new AppError('NotFound', `location "${id}" is not open; open it from the Locations menu`);
    return loc;
  }

  async closeLocation(id: string): Promise<void> {
    const loc = this.location(id);
    this.locations.delete(id);
    this.targetKeys.delete(id);
    await loc.close();
  }

  /** Closes every location's client cleanly (on quit). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    const all = [...this.locations.values()];
    this.locations.clear();
    await Promise.allSettled(all.map((l) => l.close()));
  }
}

/**
 * A mistyped path must not quietly become a new, empty sandbox: a missing file is created only when
 * the user confirmed it (create), and a missing folder never is.
 */
export function checkSandboxPath(path: string, create: boolean): void {
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw new AppError('BadRequest', `${path} is a folder, not a sandbox file; give the path of a .sqlite file`);
    return;
  }
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new AppError('BadRequest', `the folder ${dir} does not exist; Shardscope never creates folders: create it first, or check the path for a typo`);
  }
  if (!create) {
    throw new AppError('NotFound', `there is no sandbox file at ${path}; confirm to create a new, empty sandbox there`);
  }
}
