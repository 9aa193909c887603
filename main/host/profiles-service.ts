// Profiles as the host offers them: the store (profiles.ts) plus the host's rules for where a
// location may come from, "Test connection", opening a location by profile, and reopening the
// last used one at start. The router's profile operations (main/router/profiles-ops.ts) call this.
import type { LocationInfo } from '../../preload/contract.js';
import type { ConnectionTestInfo, ProfilesInfo } from '../../preload/profiles-contract.js';
import type { LocationPolicy } from '../location-policy.js';
import { AppError } from '../router/errors.js';
import { describeFailure, ProfileError, testConnection, targetOf, type ProfileInput, type ProfileStore, type ProfileView } from './profiles.js';
import type { RecentTarget } from './recents.js';
import type { SecretsInfo } from './secret-store.js';

/** What opening by profile needs from the host (RuntimeHost.openTarget). */
export interface ProfileOpener {
  openTarget(target: RecentTarget, label: string): Promise<LocationInfo>;
}

export interface ProfileServiceOptions {
  /** the host's location rules: a profile's target passes them when saved and when opened */
  policy?: LocationPolicy;
  /** "Test connection" waits this long per side (default profiles.ts TEST_DEADLINE_MS) */
  testDeadlineMs?: number;
}

/** Store errors are the user's input: a BadRequest (or NotFound) in words, never Internal. */
function asApp<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ProfileError) throw new AppError(/^no profile/.test(e.message) ? 'NotFound' : 'BadRequest', e.message);
    throw e;
  }
}

export class ProfileService {
  private startup: ProfilesInfo['startup'] = null;

  constructor(
    readonly store: ProfileStore,
    private readonly secrets: SecretsInfo,
    private readonly opts: ProfileServiceOptions = {},
  ) {}

  list(): ProfilesInfo {
    return { profiles: this.store.list(), lastUsed: this.store.lastUsedId(), secrets: this.secrets, startup: this.startup };
  }

  create(input: ProfileInput): ProfileView {
    this.admit(input);
    return asApp(() => this.store.create(input));
  }

  update(id: string, input: ProfileInput, clear: { password?: boolean; secretAccessKey?: boolean }): ProfileView {
    const before = asApp(() => this.store.get(id));
    // A sandbox file admitted when the profile was saved stays admitted (the desktop only opens
    // files its dialog returned, and that was in an earlier run).
    if (!(input.kind === 'sandbox' && before.kind === 'sandbox' && before.path === input.path)) this.admit(input);
    return asApp(() => this.store.update(id, input, clear));
  }

  duplicate(id: string, name?: string): ProfileView {
    return asApp(() => this.store.duplicate(id, name));
  }

  remove(id: string): void {
    asApp(() => this.store.remove(id));
  }

  async test(p: { id?: string; input?: ProfileInput }): Promise<ConnectionTestInfo> {
    let input: ProfileInput;
    if (p.input && p.id) input = asApp(() => this.store.withStoredSecrets(p.id!, p.input!));
    else if (p.input) input = p.input;
    else input = asApp(() => this.store.withStoredSecrets(p.id!, this.store.get(p.id!)));
    // A sandbox profile is "tested" by the host's rules for its file; nothing is created.
    if (!p.id || input.kind !== 'sandbox') this.admit(input);
    return testConnection(input, undefined, this.opts.testDeadlineMs);
  }

  /** Opens the profile's location (the same one if already open with the same settings) and remembers it for the next start. */
  async open(id: string, host: ProfileOpener): Promise<LocationInfo> {
    const view = asApp(() => this.store.get(id));
    let target = this.store.target(id);
    if (this.opts.policy) target = this.opts.policy.admit(target, 'profile');
    let info: LocationInfo;
    try {
      info = await host.openTarget(target, view.name);
    } catch (e) {
      if (e instanceof AppError) throw e;
      const f = describeFailure(e);
      const again = !view.secretsPersisted && f.problem === 'no-password' ? ' Secrets of this profile are not saved on this host: edit the profile and type the password again.' : '';
      throw new AppError('Location', `The profile "${view.name}" did not open: ${f.message}${again}`);
    }
    this.store.markUsed(id);
    return info;
  }

  /**
   * At start: reopens the last used profile. Null when there is none or it failed (the host then
   * opens the default sandbox); either way `list().startup` says what happened, in words.
   */
  async reopenLast(host: ProfileOpener): Promise<LocationInfo | null> {
    const id = this.store.lastUsedId();
    if (!id) return null;
    const name = this.store.get(id).name;
    try {
      const info = await this.open(id, host);
      this.startup = { profile: name, opened: info.id, message: null };
      return info;
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.startup = { profile: name, opened: null, message: `The last used profile "${name}" did not reopen, so the default sandbox is open instead. ${why}` };
      return null;
    }
  }

  /** The host's location rules for the profile's target (secrets are not needed to judge it). */
  private admit(input: ProfileInput): void {
    if (!this.opts.policy) return;
    let target: RecentTarget;
    try {
      target = targetOf(input, { password: 'x', secretAccessKey: 'x' });
    } catch (e) {
      throw new AppError('BadRequest', `the profile's settings do not make a location: ${(e as Error).message}`);
    }
    // A sandbox file as any typed in a request; endpoints by the profile rules (the profile carries
    // its own credentials, or says to use the default chain).
    this.opts.policy.admit(target, target.kind === 'sandbox' ? 'request' : 'profile');
  }
}
