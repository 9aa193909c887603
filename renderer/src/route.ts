// Where the user is, as a hash route (works in both hosts: file-less app:// and http): the
// location, the shard and its tab. Back/Forward and reload keep the place.
import { useCallback, useEffect, useState } from 'react';

export const TAB_IDS = ['overview', 'batches', 'compaction', 'history', 'storage', 'leases', 'data', 'live', 'time'] as const;
export type TabId = (typeof TAB_IDS)[number];

export interface Route {
  loc: string | null;
  shard: string | null;
  tab: TabId;
  /** the location's Health view (`#/<loc>/health`) instead of its shard list */
  health?: boolean;
  /** the location's Streams view (`#/<loc>/streams`) */
  streams?: boolean;
}

export const HOME: Route = { loc: null, shard: null, tab: 'overview' };

/** `#/<loc>`, `#/<loc>/health`, `#/<loc>/shard/<id>` or `#/<loc>/shard/<id>/<tab>`; anything else is home. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return HOME;
  const loc = parts[0];
  if (parts[1] === 'health') return { ...HOME, loc, health: true };
  if (parts[1] === 'streams') return { ...HOME, loc, streams: true };
  if (parts[1] !== 'shard' || !parts[2]) return { ...HOME, loc };
  const tab = (TAB_IDS as readonly string[]).includes(parts[3] ?? '') ? (parts[3] as TabId) : 'overview';
  return { loc, shard: parts[2], tab };
}

export function formatRoute(r: Route): string {
  if (!r.loc) return '#/';
  const loc = `#/${encodeURIComponent(r.loc)}`;
  if (!r.shard) return r.health ? `${loc}/health` : r.streams ? `${loc}/streams` : loc;
  return `${loc}/shard/${encodeURIComponent(r.shard)}${r.tab === 'overview' ? '' : `/${r.tab}`}`;
}

/** The current route, and navigate(to) that pushes a history entry (replace: without one). */
export function useRoute(): [Route, (to: Route, opts?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const navigate = useCallback((to: Route, opts: { replace?: boolean } = {}) => {
    const hash = formatRoute(to);
    if (hash === window.location.hash) return;
    if (opts.replace) {
      window.history.replaceState(window.history.state, '', hash);
      setRoute(parseRoute(hash));
    } else {
      window.location.hash = hash; // fires hashchange
    }
  }, []);
  return [route, navigate];
}
