// An error in place: what happened, what to do, and the raw details one click away.
import type { ContractError } from '../../../preload/contract';
import { ApiError } from '../api/client';
import { fmtClock } from '../format';

const WHAT_TO_DO: Partial<Record<ContractError['code'], string>> = {
  BadRequest: 'Check the values you entered and try again.',
  NotFound: 'It may have been removed or expired; go back and pick it again.',
  InvalidUsage: 'Change the values as the message says and try again.',
  Since: 'Choose a later as_of.',
  LeaseExpired: 'Open a new reader or writer.',
  Conflict: 'It conflicts with what is there now; do as the message says.',
  Closed: 'Reopen the location, or wait for the connection to come back.',
  Unsupported: 'This host cannot do that; see the message for another way.',
  CorruptData: 'The stored data fails its checks; do not trust this shard until it is repaired.',
  Location: 'Check that the location is reachable and try again.',
  Internal: 'This is a bug in Shardscope; the details below help to report it.',
};

export function asContractError(e: unknown): ContractError {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) return e as ContractError;
  return { code: 'Internal', message: e instanceof Error ? e.message : String(e) };
}

export function ErrorState({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const e = asContractError(error);
  return (
    <div className="error-state" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <p>{e.message}</p>
      <p className="muted">{WHAT_TO_DO[e.code] ?? ''}</p>
      <div className="row">
        {onRetry && (
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        )}
        <details>
          <summary>Details</summary>
          <code>{e.code}</code>
        </details>
      </div>
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Data shown is the last that arrived: says since when and why, without replacing the view. */
export function StaleNotice({ error, at }: { error: unknown; at: number }) {
  const e = asContractError(error);
  return (
    <div className="stale-notice" role="status" data-testid="stale-notice">
      Showing what was read at {fmtClock(at)}: {e.code === 'Closed' ? 'the connection is down and reconnects by itself' : e.message}.
    </div>
  );
}
