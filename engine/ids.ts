import { randomUUID } from 'node:crypto';
import { InvalidUsageError } from './errors.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SHARD_RE = new RegExp(`^s${UUID}$`);
const WRITER_RE = new RegExp(`^w${UUID}$`);
const LEASED_RE = new RegExp(`^r${UUID}$`);
const CRITICAL_RE = new RegExp(`^c${UUID}$`);

export const newShardId = (): string => `s${randomUUID()}`;
export const newWriterId = (): string => `w${randomUUID()}`;
export const newLeasedReaderId = (): string => `r${randomUUID()}`;
export const newCriticalReaderId = (): string => `c${randomUUID()}`;

export const isShardId = (s: unknown): s is string => typeof s === 'string' && SHARD_RE.test(s);
export const isWriterId = (s: unknown): s is string => typeof s === 'string' && WRITER_RE.test(s);
export const isLeasedReaderId = (s: unknown): s is string => typeof s === 'string' && LEASED_RE.test(s);
export const isCriticalReaderId = (s: unknown): s is string => typeof s === 'string' && CRITICAL_RE.test(s);

export function parseShardId(s: unknown): string {
  if (!isShardId(s)) {
    throw new InvalidUsageError('InvalidShardId', `invalid shard id ${JSON.stringify(s)}: expected s<uuid>`);
  }
  return s;
}

export function parseCriticalReaderId(s: unknown): string {
  if (!isCriticalReaderId(s)) {
    throw new InvalidUsageError('InvalidReaderId', `invalid critical reader id ${JSON.stringify(s)}: expected c<uuid>`);
  }
  return s;
}
