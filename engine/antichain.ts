// Frontiers over totally ordered u64-like times: [] is the closed (empty) frontier, [t] a frontier at t.
import { InvalidUsageError } from './errors.js';

export type Antichain = readonly [] | readonly [number];

export const CLOSED: Antichain = [];

export function isValidTime(t: unknown): t is number {
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 0;
}

export function checkTime(t: unknown, what = 'time'): number {
  if (!isValidTime(t)) {
    throw new InvalidUsageError('InvalidTimestamp', `${what} must be a non-negative safe integer, got ${String(t)}`);
  }
  return t;
}

export function checkDiff(d: unknown): number {
  if (typeof d !== 'number' || !Number.isSafeInteger(d)) {
    throw new InvalidUsageError('InvalidDiff', `diff must be a safe integer, got ${String(d)}`);
  }
  return d;
}

/** Validates a frontier given by a caller; returns it as a fresh, frozen antichain. */
export function checkAntichain(a: unknown, what = 'frontier'): Antichain {
  if (!Array.isArray(a) || a.length > 1) {
    throw new InvalidUsageError('InvalidFrontier', `${what} must be [] or [t], got ${safeString(a)}`);
  }
  if (a.length === 0) return CLOSED;
  if (!isValidTime(a[0])) {
    throw new InvalidUsageError(
      'InvalidFrontier',
      `${what} must be [] or [t] with t a non-negative safe integer, got ${safeString(a)}`,
    );
  }
  return [a[0]] as const;
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** a <= b in frontier order: [x] <= [y] iff x <= y; every [t] < []. */
export function leq(a: Antichain, b: Antichain): boolean {
  if (b.length === 0) return true;
  if (a.length === 0) return false;
  return a[0] <= b[0];
}

export function lt(a: Antichain, b: Antichain): boolean {
  return leq(a, b) && !eq(a, b);
}

export function eq(a: Antichain, b: Antichain): boolean {
  return a.length === b.length && (a.length === 0 || a[0] === b[0]);
}

export function meet(a: Antichain, b: Antichain): Antichain {
  return leq(a, b) ? a : b;
}

export function join(a: Antichain, b: Antichain): Antichain {
  return leq(a, b) ? b : a;
}

/** t is beyond [f] iff t >= f; nothing is beyond []. */
export function beyond(t: number, f: Antichain): boolean {
  return f.length === 1 && t >= f[0];
}

export function fmt(a: Antichain): string {
  return a.length === 0 ? '[]' : `[${a[0]}]`;
}
