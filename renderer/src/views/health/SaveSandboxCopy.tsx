// "Save a copy of this sandbox": one file to share, one consistent snapshot written on a worker
// thread while the sandbox stays in use, with progress and Cancel.
import { useState } from 'react';
import { JobProgress, useJob } from './jobs';

export function SaveSandboxCopy({ loc }: { loc: string }) {
  const [path, setPath] = useState('');
  const save = useJob<'save-copy'>(loc);
  const running = save.job?.state === 'running';
  const done = save.job?.state === 'done' ? save.job.result : null;
  return (
    <section className="section" aria-labelledby="save-copy-heading">
      <h2 id="save-copy-heading">Save a copy of this sandbox</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save.start({ kind: 'save-copy', location: loc, path });
        }}
      >
        <label>New file <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/shared.sqlite" aria-label="Sandbox copy path" disabled={running} /></label>
        <button type="submit" disabled={!path || running}>Save a copy</button>
      </form>
      <JobProgress job={save.job} error={save.error} onCancel={save.cancel} />
      {done && <p role="status" data-testid="save-copy-result">Saved {done.path} ({done.pages} pages). Open it from Locations, or share the file.</p>}
    </section>
  );
}
