// "Updated 12:01:02 · live": when the data last changed and whether pushes are arriving.
import { useConnected } from '../queries/connection';
import { fmtClock } from '../format';

export function Freshness({ lastPush, dataUpdatedAt }: { lastPush: number | null; dataUpdatedAt: number }) {
  const connected = useConnected();
  const at = Math.max(lastPush ?? 0, dataUpdatedAt);
  return (
    <span className="freshness" role="status" aria-live="off">
      <span className={`dot ${connected ? 'up' : 'down'}`} aria-hidden="true" />
      {connected ? 'live' : 'reconnecting… (polling)'}
      {at > 0 && <> · updated {fmtClock(at)}</>}
    </span>
  );
}
