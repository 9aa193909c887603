// Live: a listen from now — updates/s, + and − diffs, frontier progress — with pause/resume and
// a bounded buffer. Main batches the listen every ~250 ms; this only folds and draws.
import { useState } from 'react';
import type { ShardDetail } from '../../../../preload/contract';
import { LiveChart } from '../../charts/LiveChart';
import { ErrorState } from '../../components/ErrorState';
import { fmtCount, fmtFrontier, plural } from '../../format';
import { LIVE_BUFFER_POINTS, useLive } from '../../queries/live';
import { GeneratorControl } from '../actions/GeneratorControl';

export function LiveTab({ loc, detail }: { loc: string; detail: ShardDetail }) {
  const shard = detail.summary.id;
  const [paused, setPaused] = useState(false);
  const live = useLive(loc, shard, paused);
  const last = live.data.points[live.data.points.length - 1];
  return (
    <div className="live">
      <div className="row">
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={live.clear}>Clear</button>
        <span className="muted" data-testid="live-status" role="status">
          {paused ? 'paused' : 'listening'} · {plural(live.data.points.length, 'point')} (keeps {LIVE_BUFFER_POINTS}) ·
          {' '}{last ? `${fmtCount(Math.round(last.rate))} updates/s · frontier ${fmtFrontier(last.frontier)}` : 'waiting for the first batch…'}
        </span>
        <GeneratorControl loc={loc} summary={detail.summary} />
      </div>
      {live.error && <ErrorState error={live.error} title="The listen stopped" onRetry={() => { setPaused(true); setTimeout(() => setPaused(false), 0); }} />}
      <LiveChart points={live.data.points} />
      <h2>Latest updates</h2>
      <table aria-label="Latest updates" className="compact">
        <thead>
          <tr><th>Key</th><th>Value</th><th>Time</th><th>Diff</th></tr>
        </thead>
        <tbody>
          {live.data.recent.length === 0 && <tr><td colSpan={4} className="muted">None yet.</td></tr>}
          {live.data.recent.slice(0, 12).map((r, i) => (
            <tr key={i}>
              <td className="mono">{r.key}</td>
              <td className="mono">{r.val}</td>
              <td className="num">{r.time}</td>
              <td className={`num ${r.diff < 0 ? 'minus' : 'plus'}`}>{r.diff > 0 ? `+${r.diff}` : r.diff}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
