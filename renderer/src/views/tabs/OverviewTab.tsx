// Overview: since and upper now, and both over time with the lag between them.
import type { ShardDetail } from '../../../../preload/contract';
import { FrontierChart } from '../../charts/FrontierChart';
import { ErrorState, Loading } from '../../components/ErrorState';
import { fmtBytes, fmtCount, fmtFrontier } from '../../format';
import { useFrontierSamples } from '../../queries/shards';
import { Term } from '../../components/Term';

export function OverviewTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const s = detail.summary;
  const samples = useFrontierSamples(loc, s.id);
  const lag = s.since !== null && s.upper !== null ? s.upper - s.since : null;
  return (
    <div className="overview">
      <dl className="stats">
        <div><dt><Term name="since">Since</Term></dt><dd data-testid="since">{fmtFrontier(s.since)}</dd></div>
        <div><dt><Term name="upper">Upper</Term></dt><dd data-testid="upper">{fmtFrontier(s.upper)}</dd></div>
        <div><dt><Term name="lag">Lag</Term></dt><dd>{lag === null ? '—' : Math.max(0, lag)}{lag !== null && lag < 0 && <span className="muted"> (since past the upper)</span>}</dd></div>
        <div><dt>Updates</dt><dd>{fmtCount(s.updates)}</dd></div>
        <div><dt><Term name="batch">Batches</Term></dt><dd>{fmtCount(s.batches)}</dd></div>
        <div><dt>Bytes</dt><dd>{fmtBytes(s.bytes)}</dd></div>
        <div><dt><Term name="seqno">Seqno</Term></dt><dd>{s.seqno}</dd></div>
        <div><dt>Codecs</dt><dd>{s.codecs.key} → {s.codecs.val}</dd></div>
      </dl>
      {samples.isPending ? (
        <Loading label="Loading history…" />
      ) : samples.error ? (
        <ErrorState error={samples.error} title="Could not load the history" onRetry={() => void samples.refetch()} />
      ) : (
        <FrontierChart samples={samples.data} />
      )}
    </div>
  );
}
