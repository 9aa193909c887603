// Overview: since and upper over time, with the lag between them (upper − since) as an area.
import { memo, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { FrontierSample } from '../../../preload/contract';
import { fmtClock } from '../format';
import { downsample } from './downsample';
import { useChartColors } from './theme';

const MAX_POINTS = 600;

function FrontierChartImpl({ samples }: { samples: FrontierSample[] }) {
  const c = useChartColors();
  const data = useMemo(() => {
    const rows = samples
      .filter((s) => s.upper !== null)
      .map((s) => ({ t: s.t, upper: s.upper, since: s.since, lag: s.since === null || s.upper === null ? null : s.upper - s.since }));
    return downsample(rows, MAX_POINTS, (r) => r.lag ?? 0);
  }, [samples]);
  return (
    <figure className="chart" aria-label="Since and upper over time">
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={fmtClock} stroke={c.axis} fontSize={11} />
          <YAxis yAxisId="time" stroke={c.axis} fontSize={11} allowDecimals={false} domain={['auto', 'auto']} />
          <YAxis yAxisId="lag" orientation="right" stroke={c.axis} fontSize={11} allowDecimals={false} />
          <Tooltip labelFormatter={(t) => fmtClock(Number(t))} contentStyle={{ background: c.tooltipBg, border: `1px solid ${c.grid}` }} />
          <Legend />
          <Area yAxisId="lag" dataKey="lag" name="lag (upper − since)" stroke={c.frontier} strokeOpacity={0.6} fill={c.frontier} fillOpacity={0.15} isAnimationActive={false} />
          <Line yAxisId="time" dataKey="upper" name="upper" stroke={c.upper} dot={false} isAnimationActive={false} strokeWidth={2} />
          <Line yAxisId="time" dataKey="since" name="since" stroke={c.since} dot={false} isAnimationActive={false} strokeWidth={2} />
        </ComposedChart>
      </ResponsiveContainer>
      <figcaption className="muted">{samples.length ? `${samples.length} samples since this host started` : 'No samples yet'}</figcaption>
    </figure>
  );
}

export const FrontierChart = memo(FrontierChartImpl);
