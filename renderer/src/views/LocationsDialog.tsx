// Locations: switch between open ones, open a saved profile (views/profiles/), reopen a recent one,
// open another sandbox file (by path, or with the native dialog in Electron) or a blob + consensus pair.
import { useState } from 'react';
import type { LocationInfo } from '../../../preload/contract';
import { Dialog } from '../components/Dialog';
import { asContractError, ErrorState } from '../components/ErrorState';
import { pickSandbox, useAppInfo, useLocations, useOpenLocation } from '../queries/locations';
import { ProfilesSection } from './profiles/ProfilesSection';

export function LocationsDialog({ open, current, onClose, onSelect }: {
  open: boolean;
  current: string;
  onClose: () => void;
  onSelect: (l: LocationInfo) => void;
}) {
  const locations = useLocations();
  const app = useAppInfo();
  const openLoc = useOpenLocation();
  const [path, setPath] = useState('');
  const [blob, setBlob] = useState('');
  const [consensus, setConsensus] = useState('');
  // a sandbox path with no file there: asked before one is created (a typo must not make one)
  const [missing, setMissing] = useState<string | null>(null);
  const close = () => {
    openLoc.reset(); // no stale error the next time the dialog opens
    setMissing(null);
    onClose();
  };
  const done = { onSuccess: (l: LocationInfo) => { onSelect(l); close(); } };
  const openSandbox = (p: string, create = false) =>
    openLoc.mutate(
      { kind: 'sandbox', path: p, ...(create ? { create: true } : {}) },
      {
        ...done,
        onError: (e) => {
          if (!create && asContractError(e).code === 'NotFound') {
            openLoc.reset();
            setMissing(p);
          }
        },
      },
    );
  const browse = async () => {
    const r = await pickSandbox().catch(() => null);
    if (r) openSandbox(r.path);
  };
  return (
    <Dialog title="Locations" open={open} onClose={close}>
      <h3>Open</h3>
      <ul className="plain">
        {locations.data?.open.map((l) => (
          <li key={l.id}>
            <button type="button" className="link" aria-current={l.id === current} onClick={() => { onSelect(l); close(); }}>
              {l.label}
            </button>
            {l.id === current && <span className="badge">current</span>}
          </li>
        ))}
      </ul>
      <ProfilesSection onOpened={(l) => { onSelect(l); close(); }} />
      {!!locations.data?.recent.length && (
        <>
          <h3>Recent</h3>
          <ul className="plain">
            {locations.data.recent.map((r) => (
              <li key={r.id}>
                <button type="button" className="link" onClick={() => openLoc.mutate({ kind: 'recent', id: r.id }, done)}>{r.label}</button>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Open another sandbox file</h3>
      <form className="row" onSubmit={(e) => { e.preventDefault(); openSandbox(path.trim()); }}>
        <input
          aria-label="Sandbox file path"
          value={path}
          onChange={(e) => { setPath(e.target.value); setMissing(null); openLoc.reset(); }}
          placeholder="/absolute/path/shards.sqlite"
          size={40}
        />
        <button type="submit" disabled={!path.trim() || openLoc.isPending}>Open sandbox</button>
        {app.data?.canPickFiles && <button type="button" onClick={() => void browse()}>Browse…</button>}
      </form>
      {missing && (
        <div className="warning" role="group" aria-label="Create a new sandbox">
          <p>
            There is no sandbox file at <code>{missing}</code>. Create a new, empty sandbox there? (Shardscope never creates folders.)
          </p>
          <div className="row">
            <button type="button" className="primary" disabled={openLoc.isPending} onClick={() => openSandbox(missing, true)}>Create sandbox</button>
            <button type="button" onClick={() => setMissing(null)}>Don't create</button>
          </div>
        </div>
      )}
      <h3>Open blob + consensus</h3>
      <form className="row" onSubmit={(e) => { e.preventDefault(); openLoc.mutate({ kind: 'uri', blob: blob.trim(), consensus: consensus.trim() }, done); }}>
        <input aria-label="Blob URI" value={blob} onChange={(e) => { setBlob(e.target.value); openLoc.reset(); }} placeholder="file:///data/blob or s3://…" size={28} />
        <input aria-label="Consensus URI" value={consensus} onChange={(e) => { setConsensus(e.target.value); openLoc.reset(); }} placeholder="postgres://user@host/db" size={28} />
        <button type="submit" disabled={!blob.trim() || !consensus.trim()}>Open location</button>
      </form>
      {openLoc.error && <ErrorState error={openLoc.error} title="The location did not open" />}
      <div className="dialog-actions">
        <button type="button" onClick={close}>Close</button>
      </div>
    </Dialog>
  );
}
