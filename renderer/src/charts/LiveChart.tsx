// Live: updates/s, + and − diffs per window, and the frontier's progress; no animation, and never
// more points than fit.
import { memo, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LivePoint } from '../../../preload/contract';
import { fmtClock } from '../format';
import { downsample } from './downsample';
import { useChartColors } from './theme';

const MAX_POINTS = 300;

function LiveChartImpl({ points }: { points: LivePoint[] }) {
  const c = useChartColors();
  const data = useMemo(
    () =>
      downsample(points, MAX_POINTS, (p) => p.rate).map((p) => ({
        t: p.t,
        rate: Math.round(p.rate),
        plus: p.plus,
        minus: -p.minus,
        frontier: p.frontier,
      })),
    [points],
  );
  return (
    <figure className="chart" aria-label="Live updates per second">
      <ResponsiveContainer width="100%" height={240}>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={c.grid} strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={fmtClock} stroke={c.axis} fontSize={11} />
          <YAxis yAxisId="n" stroke={c.axis} fontSize={11} />
          <YAxis yAxisId="f" orientation="right" stroke={c.axis} fontSize={11} allowDecimals={false} domain={['auto', 'auto']} />
          <Tooltip labelFormatter={(t) => fmtClock(Number(t))} contentStyle={{ background: c.tooltipBg, border: `1px solid ${c.grid}` }} />
          <Legend />
          {/* areas, not bars: one path per series however many points (bars are an element each) */}
          <Area yAxisId="n" dataKey="plus" name="+ diffs" type="stepAfter" stroke={c.plus} fill={c.plus} fillOpacity={0.35} dot={false} isAnimationActive={false} />
          <Area yAxisId="n" dataKey="minus" name="− diffs" type="stepAfter" stroke={c.minus} fill={c.minus} fillOpacity={0.35} dot={false} isAnimationActive={false} />
          <Line yAxisId="n" dataKey="rate" name="updates/s" stroke={c.rate} dot={false} strokeWidth={2} isAnimationActive={false} />
          <Line yAxisId="f" dataKey="frontier" name="frontier" stroke={c.frontier} dot={false} isAnimationActive={false} type="stepAfter" />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Redrawn only when its points change (not on every push of the shard's detail). */
export const LiveChart = memo(LiveChartImpl);
