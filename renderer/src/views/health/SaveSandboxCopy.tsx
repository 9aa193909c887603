// "Save a copy of this sandbox": one file to share, written by SQLite's online backup while the
// sandbox stays in use.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/client';
import { ErrorState } from '../../components/ErrorState';

export function SaveSandboxCopy({ loc }: { loc: string }) {
  const [path, setPath] = useState('');
  const save = useMutation({ mutationFn: (p: string) => call('sandbox.saveCopy', { location: loc, path: p }) });
  return (
    <section className="section" aria-labelledby="save-copy-heading">
      <h2 id="save-copy-heading">Save a copy of this sandbox</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(path);
        }}
      >
        <label>New file <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/shared.sqlite" aria-label="Sandbox copy path" /></label>
        <button type="submit" disabled={!path || save.isPending}>Save a copy</button>
      </form>
      {save.error && <ErrorState error={save.error} title="The sandbox was not saved" />}
      {save.data && <p role="status" data-testid="save-copy-result">Saved ({save.data.pages} pages). Open it from Locations, or share the file.</p>}
    </section>
  );
}
