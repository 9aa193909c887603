// Overview: since and upper over time on one axis (both are times), and the lag between them
// (upper − since) on its own chart below, clamped at 0 with a note where the since passed the upper.
import { memo, useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { FrontierSample } from '../../../preload/contract';
import { fmtClock, plural } from '../format';
import { timeTicks } from './axis';
import { downsample } from './downsample';
import { useChartColors } from './theme';

const MAX_POINTS = 600;

export interface FrontierRow {
  t: number;
  upper: number | null;
  since: number | null;
  /** upper − since, never below 0 */
  lag: number | null;
  /** the since was past the upper here (the lag drawn as 0) */
  pastUpper: boolean;
}

export function frontierRows(samples: readonly FrontierSample[]): FrontierRow[] {
  return samples
    .filter((s) => s.upper !== null)
    .map((s) => {
      const raw = s.since === null || s.upper === null ? null : s.upper - s.since;
      return { t: s.t, upper: s.upper, since: s.since, lag: raw === null ? null : Math.max(0, raw), pastUpper: raw !== null && raw < 0 };
    });
}

function FrontierChartImpl({ samples }: { samples: FrontierSample[] }) {
  const c = useChartColors();
  const data = useMemo(() => downsample(frontierRows(samples), MAX_POINTS, (r) => r.lag ?? 0), [samples]);
  const past = useMemo(() => frontierRows(samples).filter((r) => r.pastUpper).length, [samples]);
  const ticks = data.length ? timeTicks(data[0].t, data[data.length - 1].t).map((t) => t.t) : [];
  const x = (
    <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} ticks={ticks} tickFormatter={fmtClock} stroke={c.axis} fontSize={11} />
  );
  const tooltip = <Tooltip labelFormatter={(t) => fmtClock(Number(t))} contentStyle={{ background: c.tooltipBg, border: `1px solid ${c.grid}` }} />;
  return (
    <figure className="chart" aria-label="Since and upper over time">
      <ResponsiveContainer width="100%" height={220}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          {x}
          <YAxis stroke={c.axis} fontSize={11} allowDecimals={false} domain={['auto', 'auto']} />
          {tooltip}
          <Legend />
          <Line dataKey="upper" name="upper" stroke={c.upper} dot={false} isAnimationActive={false} strokeWidth={2} />
          <Line dataKey="since" name="since" stroke={c.since} dot={false} isAnimationActive={false} strokeWidth={2} />
        </ComposedChart>
      </ResponsiveContainer>
      <ResponsiveContainer width="100%" height={110}>
        <AreaChart data={data} margin={{ top: 4, right: 16, bottom: 0, left: 8 }} aria-label="Lag over time">
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          {x}
          <YAxis stroke={c.axis} fontSize={11} allowDecimals={false} domain={[0, 'auto']} />
          {tooltip}
          <Area dataKey="lag" name="lag (upper − since)" stroke={c.frontier} fill={c.frontier} fillOpacity={0.2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
      <figcaption className="muted" data-testid="frontier-caption">
        {samples.length ? `${plural(samples.length, 'sample')} since this host started · lag = upper − since, its own scale below` : 'No samples yet'}
        {past > 0 && (
          <span className="note" data-testid="lag-note">
            {' '}· the since was past the upper in {plural(past, 'sample')}: no time was readable then, and the lag is drawn as 0
          </span>
        )}
      </figcaption>
    </figure>
  );
}

export const FrontierChart = memo(FrontierChartImpl);
