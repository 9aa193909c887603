// The contract (preload/) restates a few engine types as plain JSON so the renderer never imports
// the engine. Where the two are meant to be the same shape, this file makes them stay so: if either
// side gains, loses or retypes a field, `npm run typecheck` fails here instead of a view showing
// undefined. Types only; nothing imports it at run time. It lives on the node side because the web
// project must not see engine sources.
import type { GcStatus, HealthAction, Severity, VersionChange } from '../../engine/index.js';
import type { GcStatusInfo, VersionChangeInfo } from '../../preload/contract.js';
import type { HealthActionInfo, HealthSeverity } from '../../preload/admin-contract.js';
import type { ProblemInfo } from '../../preload/profiles-contract.js';
import type { Problem } from '../host/profiles.js';

/** true when each type is assignable to the other (the same shape, up to comments) */
export type Mirrors<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;

export type ContractMirrors = [
  Check<Mirrors<VersionChange, VersionChangeInfo>>,
  Check<Mirrors<GcStatus, GcStatusInfo>>,
  Check<Mirrors<HealthAction, HealthActionInfo>>,
  Check<Mirrors<Severity, HealthSeverity>>,
  Check<Mirrors<Problem, ProblemInfo>>,
];

// The check itself can fail: a field that differs in type is caught.
// @ts-expect-error the two differ in `seqno`'s type
export type MirrorsCatchesDrift = Check<Mirrors<GcStatus, Omit<GcStatus, 'seqno'> & { seqno: string }>>;
