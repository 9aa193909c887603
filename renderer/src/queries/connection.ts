// Whether pushes can arrive (the web host's socket is up); polling is the fallback when not.
import { useSyncExternalStore } from 'react';
import { getTransport } from '../api/transport';

export function useConnected(): boolean {
  const t = getTransport();
  return useSyncExternalStore(
    (f) => t.onConnectionChange(f),
    () => t.connected(),
  );
}

/** Polling interval for a query that is normally fed by pushes. */
export const fallbackPoll = (connected: boolean, ms = 5000): number | false => (connected ? false : ms);
