// The app shell: the current location, the shard list or one shard, all kept in the hash route
// (Back/Forward and reload keep the place), and the Ctrl/Cmd-K switcher.
import { useEffect, useState } from 'react';
import { ErrorState, Loading } from '../components/ErrorState';
import { useLocations } from '../queries/locations';
import { useRoute, type TabId } from '../route';
import { LocationsDialog } from './LocationsDialog';
import { QuickSwitcher } from './QuickSwitcher';
import { ShardsView } from './ShardsView';
import { ShardView, tabOf, tabIdOf } from './ShardView';
import { HealthView } from './health/HealthView';
import { StreamsView } from './streams/StreamsView';
import { StartupNotice } from './profiles/StartupNotice';

export function App() {
  const locations = useLocations();
  const [route, navigate] = useRoute();
  const [locOpen, setLocOpen] = useState(false);
  const [switcherOpen, setSwitcherOpen] = useState(false);
  const [createRequested, setCreateRequested] = useState(0);
  const open = locations.data?.open ?? [];
  const loc = open.find((l) => l.id === route.loc) ?? open.find((l) => l.isDefault) ?? open[0];

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSwitcherOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // a route naming a location that is no longer open (e.g. after a restart) lands on the default
  useEffect(() => {
    if (loc && route.loc !== loc.id && (route.loc === null || !open.some((l) => l.id === route.loc))) {
      navigate({ loc: loc.id, shard: route.loc === null ? route.shard : null, tab: route.tab }, { replace: true });
    }
  }, [loc, route, open, navigate]);

  const shard = loc && route.loc === loc.id ? route.shard : null;
  const openShard = (id: string, tab: TabId = 'overview') => loc && navigate({ loc: loc.id, shard: id, tab });

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Shardscope</span>
        <button type="button" onClick={() => setLocOpen(true)} aria-label={`Location: ${loc?.label ?? 'none'}. Change location`}>
          ⌂ {loc?.label ?? 'No location'}
        </button>
        <button type="button" onClick={() => loc && navigate({ loc: loc.id, shard: null, tab: 'overview', health: true })}>
          Health
        </button>
        <button type="button" onClick={() => loc && navigate({ loc: loc.id, shard: null, tab: 'overview', streams: true })}>
          Streams
        </button>
        <span className="spacer" />
        <button type="button" className="kbd-hint" onClick={() => setSwitcherOpen(true)} aria-keyshortcuts="Control+K Meta+K">
          Go to… <kbd>Ctrl/⌘ K</kbd>
        </button>
      </header>
      <main className="content">
        <StartupNotice />
        {locations.isPending ? (
          <Loading label="Opening the sandbox…" />
        ) : locations.error && !locations.data ? (
          <ErrorState error={locations.error} title="Could not reach Shardscope's main process" onRetry={() => void locations.refetch()} />
        ) : !loc ? (
          <ErrorState error={{ code: 'NotFound', message: 'No location is open. Open a sandbox file from Locations.' }} title="No location" />
        ) : shard ? (
          <ShardView
            key={`${loc.id}/${shard}`}
            loc={loc.id}
            shard={shard}
            tab={tabOf(route.tab)}
            onTab={(t) => navigate({ loc: loc.id, shard, tab: tabIdOf(t) })}
            onBack={() => navigate({ loc: loc.id, shard: null, tab: 'overview' })}
          />
        ) : route.health && route.loc === loc.id ? (
          <HealthView loc={loc.id} onOpen={(s) => openShard(s)} onBack={() => navigate({ loc: loc.id, shard: null, tab: 'overview' })} />
        ) : route.streams && route.loc === loc.id ? (
          <StreamsView loc={loc.id} onOpenShard={(s) => openShard(s)} onBack={() => navigate({ loc: loc.id, shard: null, tab: 'overview' })} />
        ) : (
          <ShardsView loc={loc.id} onOpen={(s) => openShard(s)} createRequested={createRequested} />
        )}
      </main>
      <LocationsDialog
        open={locOpen}
        current={loc?.id ?? ''}
        onClose={() => setLocOpen(false)}
        onSelect={(l) => navigate({ loc: l.id, shard: null, tab: 'overview' })}
      />
      {loc && (
        <QuickSwitcher
          open={switcherOpen}
          loc={loc.id}
          shard={shard}
          onClose={() => setSwitcherOpen(false)}
          onShard={(id) => openShard(id)}
          onTab={(t) => shard && openShard(shard, t)}
          onAction={(a) => {
            if (a === 'locations') setLocOpen(true);
            else if (a === 'shards') navigate({ loc: loc.id, shard: null, tab: 'overview' });
            else if (a === 'create') {
              navigate({ loc: loc.id, shard: null, tab: 'overview' });
              setCreateRequested((n) => n + 1);
            }
          }}
        />
      )}
    </div>
  );
}
