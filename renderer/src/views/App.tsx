// The app shell: the current location, the shard list or one shard.
import { useState } from 'react';
import { ErrorState, Loading } from '../components/ErrorState';
import { useLocations } from '../queries/locations';
import { LocationsDialog } from './LocationsDialog';
import { ShardsView } from './ShardsView';
import { ShardView, type Tab } from './ShardView';
import { HealthView } from './health/HealthView';

export function App() {
  const locations = useLocations();
  const [chosen, setChosen] = useState<string | null>(null);
  const [shard, setShard] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('Overview');
  const [locOpen, setLocOpen] = useState(false);
  const [health, setHealth] = useState(false);
  const open = locations.data?.open ?? [];
  const loc = open.find((l) => l.id === chosen) ?? open.find((l) => l.isDefault) ?? open[0];

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Shardscope</span>
        <button type="button" onClick={() => setLocOpen(true)} aria-label={`Location: ${loc?.label ?? 'none'}. Change location`}>
          ⌂ {loc?.label ?? 'No location'}
        </button>
        <button type="button" onClick={() => { setHealth(true); setShard(null); }}>Health</button>
      </header>
      <main className="content">
        {locations.isPending ? (
          <Loading label="Opening the sandbox…" />
        ) : locations.error ? (
          <ErrorState error={locations.error} title="Could not reach Shardscope's main process" onRetry={() => void locations.refetch()} />
        ) : !loc ? (
          <ErrorState error={{ code: 'NotFound', message: 'No location is open. Open a sandbox file from Locations.' }} title="No location" />
        ) : health && !shard ? (
          <HealthView loc={loc.id} onOpen={(s) => { setShard(s); setTab('Overview'); }} onBack={() => setHealth(false)} />
        ) : shard ? (
          <ShardView key={`${loc.id}/${shard}`} loc={loc.id} shard={shard} tab={tab} onTab={setTab} onBack={() => setShard(null)} />
        ) : (
          <ShardsView loc={loc.id} onOpen={(s) => { setShard(s); setTab('Overview'); }} />
        )}
      </main>
      <LocationsDialog
        open={locOpen}
        current={loc?.id ?? ''}
        onClose={() => setLocOpen(false)}
        onSelect={(l) => { setChosen(l.id); setShard(null); }}
      />
    </div>
  );
}
