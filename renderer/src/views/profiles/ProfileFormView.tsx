// Create or edit a profile: a sandbox file, or S3 + PostgreSQL with their options. Checked as the
// user types; Save and Test connection stay disabled until every field is valid and while pending.
import { useState } from 'react';
import type { ProfileInfo } from '../../../../preload/profiles-contract';
import { pickSandbox, useAppInfo } from '../../queries/locations';
import { ErrorState } from '../../components/ErrorState';
import { FieldError } from '../../components/FieldError';
import { checkForm, emptyForm, formOf, type Field, type ProfileForm, type SslMode } from './profile-form';
import { useCreateProfile, useTestProfile, useUpdateProfile } from './queries';
import { TestResult } from './TestResult';

const SSL: SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

export function ProfileFormView({ editing, secretsWords, onDone }: {
  /** the profile being edited; null: a new one */
  editing: ProfileInfo | null;
  secretsWords: string;
  onDone: (p: ProfileInfo | null) => void;
}) {
  const [f, setF] = useState<ProfileForm>(() => (editing ? formOf(editing) : emptyForm()));
  const [clearPassword, setClearPassword] = useState(false);
  const app = useAppInfo();
  const create = useCreateProfile();
  const update = useUpdateProfile();
  const test = useTestProfile();
  const checked = checkForm(f, editing);
  const pending = create.isPending || update.isPending;
  const set = (k: Field) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setF((old) => ({ ...old, [k]: e.target.value }));
    test.reset();
    create.reset();
    update.reset();
  };
  const err = (k: Field) => checked.errors[k] ?? null;
  const text = (k: Field, label: string, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input value={f[k] as string} onChange={set(k)} aria-invalid={!!err(k)} aria-describedby={err(k) ? `pf-${k}-err` : undefined} {...extra} />
      <FieldError id={`pf-${k}-err`} message={err(k)} />
    </label>
  );
  const save = (e: React.FormEvent) => {
    e.preventDefault();
    if (!checked.input) return;
    if (editing) update.mutate({ id: editing.id, input: checked.input, ...(clearPassword ? { clearPassword: true } : {}) }, { onSuccess: (p) => onDone(p) });
    else create.mutate({ input: checked.input }, { onSuccess: (p) => onDone(p) });
  };
  const runTest = () => checked.input && test.mutate({ input: checked.input, ...(editing ? { id: editing.id } : {}) });
  const browse = async () => {
    const r = await pickSandbox().catch(() => null);
    if (r) setF((old) => ({ ...old, path: r.path }));
  };
  const keepHint = (has: boolean | undefined) => (has ? 'saved — leave blank to keep it' : undefined);
  return (
    <form className="form profile-form" aria-label={editing ? `Edit profile ${editing.name}` : 'New profile'} onSubmit={save}>
      {text('name', 'Profile name', { autoFocus: true, placeholder: 'e.g. staging' })}
      <fieldset className="row">
        <legend>Kind</legend>
        <label><input type="radio" name="kind" value="s3pg" checked={f.kind === 's3pg'} onChange={set('kind')} /> S3 + PostgreSQL</label>
        <label><input type="radio" name="kind" value="sandbox" checked={f.kind === 'sandbox'} onChange={set('kind')} /> Sandbox file</label>
      </fieldset>
      {f.kind === 'sandbox' ? (
        <div className="row">
          {text('path', 'Sandbox file', { placeholder: '/absolute/path/shards.sqlite', size: 40 })}
          {app.data?.canPickFiles && <button type="button" onClick={() => void browse()}>Browse…</button>}
        </div>
      ) : (
        <>
          <fieldset className="form">
            <legend>PostgreSQL (consensus)</legend>
            <div className="row">
              {text('pgHost', 'Host')}
              {text('pgPort', 'Port', { inputMode: 'numeric', size: 6 })}
            </div>
            <div className="row">
              {text('pgDatabase', 'Database')}
              {text('pgUser', 'User')}
            </div>
            <div className="row">
              {text('pgPassword', 'Password', { type: 'password', autoComplete: 'off', placeholder: keepHint(editing?.hasPassword) })}
              {editing?.hasPassword && (
                <label className="inline"><input type="checkbox" checked={clearPassword} onChange={(e) => setClearPassword(e.target.checked)} /> Remove the saved password</label>
              )}
            </div>
            <div className="row">
              {text('pgSchema', 'Schema', { placeholder: 'default' })}
              <label>
                SSL mode
                <select value={f.pgSslmode} onChange={set('pgSslmode')}>
                  <option value="">default</option>
                  {SSL.map((m) => <option key={m}>{m}</option>)}
                </select>
              </label>
            </div>
          </fieldset>
          <fieldset className="form">
            <legend>S3 (blob)</legend>
            <div className="row">
              {text('s3Endpoint', 'Endpoint', { placeholder: 'blank: AWS', size: 30 })}
              {text('s3Region', 'Region', { size: 12 })}
            </div>
            <div className="row">
              {text('s3Bucket', 'Bucket')}
              {text('s3Prefix', 'Prefix', { placeholder: 'optional' })}
            </div>
            <label>
              Credentials
              <select value={f.s3Credentials} onChange={set('s3Credentials')}>
                <option value="keys">Access key and secret</option>
                <option value="default-chain">AWS default chain (environment, ~/.aws, instance role)</option>
              </select>
            </label>
            {f.s3Credentials === 'keys' && (
              <div className="row">
                {text('s3AccessKeyId', 'Access key id', { autoComplete: 'off' })}
                {text('s3SecretAccessKey', 'Secret key', { type: 'password', autoComplete: 'off', placeholder: keepHint(editing?.hasSecretKey) })}
              </div>
            )}
          </fieldset>
          <p className="muted" data-testid="secrets-where">{secretsWords}</p>
        </>
      )}
      {test.data && <TestResult result={test.data} sandbox={f.kind === 'sandbox'} />}
      {test.error && <ErrorState error={test.error} title="The connection was not tested" />}
      {(create.error || update.error) && <ErrorState error={(create.error ?? update.error)!} title="The profile was not saved" />}
      <div className="dialog-actions">
        <button type="button" onClick={() => onDone(null)}>Cancel</button>
        <button type="button" disabled={!checked.input || test.isPending} onClick={runTest}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="primary" disabled={!checked.input || pending}>
          {pending ? 'Saving…' : editing ? 'Save changes' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}
