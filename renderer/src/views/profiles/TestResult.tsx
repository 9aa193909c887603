// "Test connection"'s answer: each side OK, or what is wrong with it in words.
import type { ConnectionTestInfo, SideTestInfo } from '../../../../preload/profiles-contract';

function Side({ label, r }: { label: string; r: SideTestInfo }) {
  return (
    <li className={r.ok ? 'test-ok' : 'test-failed'} data-problem={r.problem}>
      <strong>{label}:</strong> {r.ok ? 'OK' : r.message}
    </li>
  );
}

export function TestResult({ result, sandbox }: { result: ConnectionTestInfo; sandbox: boolean }) {
  const failedBoth = !result.consensus.ok && !result.blob.ok && result.consensus.message === result.blob.message;
  return (
    <div role="status" aria-label="Connection test" className={result.ok ? 'card ok' : 'warning'}>
      <p>{result.ok ? 'Connection OK.' : 'The connection test failed.'}</p>
      {sandbox ? null : failedBoth ? (
        <ul className="plain"><Side label="Settings" r={result.consensus} /></ul>
      ) : (
        <ul className="plain">
          <Side label="PostgreSQL (consensus)" r={result.consensus} />
          <Side label="S3 (blob)" r={result.blob} />
        </ul>
      )}
    </div>
  );
}
