// The Profiles section of the Locations dialog: saved connections with Open, Test connection,
// Edit, Duplicate and Remove (confirmed), a form for new ones, and where secrets are kept.
import { useState } from 'react';
import type { LocationInfo } from '../../../../preload/contract';
import type { ProfileInfo } from '../../../../preload/profiles-contract';
import { ErrorState } from '../../components/ErrorState';
import { ProfileFormView } from './ProfileFormView';
import { useDuplicateProfile, useOpenProfile, useProfiles, useRemoveProfile, useTestProfile } from './queries';
import { TestResult } from './TestResult';

const where = (p: ProfileInfo) =>
  p.kind === 'sandbox'
    ? p.path
    : `${p.postgres.user}@${p.postgres.host}${p.postgres.port ? `:${p.postgres.port}` : ''}/${p.postgres.database} + s3://${p.s3.bucket}/${p.s3.prefix ?? ''}`;

export function ProfilesSection({ onOpened }: { onOpened: (l: LocationInfo) => void }) {
  const profiles = useProfiles();
  const open = useOpenProfile();
  const dup = useDuplicateProfile();
  const remove = useRemoveProfile();
  const test = useTestProfile();
  const [form, setForm] = useState<{ editing: ProfileInfo | null } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<ProfileInfo | null>(null);
  const [tested, setTested] = useState<string | null>(null);
  const data = profiles.data;
  const busy = open.isPending || dup.isPending || remove.isPending;
  const resetAll = () => {
    open.reset();
    dup.reset();
    remove.reset();
    test.reset();
    setTested(null);
  };

  if (form) {
    return (
      <section aria-label="Profiles">
        <h3>{form.editing ? `Edit profile “${form.editing.name}”` : 'New profile'}</h3>
        <ProfileFormView editing={form.editing} secretsWords={data?.secrets.words ?? ''} onDone={() => setForm(null)} />
      </section>
    );
  }
  return (
    <section aria-label="Profiles">
      <h3>Profiles</h3>
      {profiles.error && <ErrorState error={profiles.error} title="The profiles could not be read" onRetry={() => void profiles.refetch()} />}
      {data && <p className="muted" data-testid="secrets-where">{data.secrets.words}</p>}
      {data && data.profiles.length === 0 && <p className="muted">No saved profiles yet.</p>}
      {!!data?.profiles.length && (
        <ul className="plain profiles">
          {data.profiles.map((p) => (
            <li key={p.id} aria-label={`Profile ${p.name}`}>
              <div className="row">
                <strong>{p.name}</strong>
                {data.lastUsed === p.id && <span className="badge">last used</span>}
                <span className="muted">{where(p)}</span>
                {p.kind === 's3pg' && !p.secretsPersisted && (p.hasPassword || p.hasSecretKey) && <span className="badge">secrets until restart</span>}
              </div>
              <div className="row">
                <button type="button" className="primary" disabled={busy} onClick={() => { resetAll(); open.mutate({ id: p.id }, { onSuccess: onOpened }); }}>
                  {open.isPending && open.variables?.id === p.id ? 'Opening…' : 'Open'}
                </button>
                <button type="button" disabled={test.isPending} onClick={() => { resetAll(); setTested(p.id); test.mutate({ id: p.id }); }}>
                  {test.isPending && tested === p.id ? 'Testing…' : 'Test connection'}
                </button>
                <button type="button" disabled={busy} onClick={() => { resetAll(); setForm({ editing: p }); }}>Edit</button>
                <button type="button" disabled={busy} onClick={() => { resetAll(); dup.mutate({ id: p.id }); }}>Duplicate</button>
                <button type="button" className="danger" disabled={busy} onClick={() => { resetAll(); setConfirmRemove(p); }}>Remove</button>
              </div>
              {tested === p.id && test.data && <TestResult result={test.data} sandbox={p.kind === 'sandbox'} />}
              {tested === p.id && test.error && <ErrorState error={test.error} title="The connection was not tested" />}
              {open.error && open.variables?.id === p.id && <ErrorState error={open.error} title={`The profile “${p.name}” did not open`} />}
              {confirmRemove?.id === p.id && (
                <div className="warning" role="group" aria-label={`Remove profile ${p.name}`}>
                  <p>Remove the profile “{p.name}”? Its settings and saved secrets are deleted; the data at the location is not touched.</p>
                  <div className="row">
                    <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate({ id: p.id }, { onSuccess: () => setConfirmRemove(null) })}>
                      {remove.isPending ? 'Removing…' : 'Remove profile'}
                    </button>
                    <button type="button" onClick={() => setConfirmRemove(null)}>Keep it</button>
                  </div>
                  {remove.error && <ErrorState error={remove.error} title="The profile was not removed" />}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {dup.error && <ErrorState error={dup.error} title="The profile was not duplicated" />}
      <button type="button" onClick={() => { resetAll(); setForm({ editing: null }); }}>New profile…</button>
    </section>
  );
}
