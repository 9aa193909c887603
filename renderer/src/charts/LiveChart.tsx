// Live: updates/s and + and − diffs per second (one scale), and the frontier's progress (its own
// axis, in times), drawn on a plain canvas.
// recharts rebuilt its whole SVG tree on every push (a long task at 10k updates/s); this keeps one
// canvas, downsamples to its pixel width (per-column min/max), and draws at most once per frame.
import { memo, useEffect, useRef } from 'react';
import type { LivePoint } from '../../../preload/contract';
import { fmtCount } from '../format';
import { fmtAxis, perSecond, timeTicks } from './axis';
import { useChartColors } from './theme';

const HEIGHT = 240;
const PAD = { top: 10, right: 64, bottom: 22, left: 60 };

type Colors = ReturnType<typeof useChartColors>;

/** Per pixel column: min and max of the values of the points that fall in it. */
function columns(points: readonly LivePoint[], width: number, t0: number, t1: number, value: (p: LivePoint) => number) {
  const lo = new Float64Array(width).fill(Number.NaN);
  const hi = new Float64Array(width).fill(Number.NaN);
  const span = Math.max(1, t1 - t0);
  for (const p of points) {
    const x = Math.min(width - 1, Math.max(0, Math.round(((p.t - t0) / span) * (width - 1))));
    const v = value(p);
    if (Number.isNaN(lo[x]) || v < lo[x]) lo[x] = v;
    if (Number.isNaN(hi[x]) || v > hi[x]) hi[x] = v;
  }
  return { lo, hi };
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** The points with + and − diffs as per-second rates (main sends counts per ~250 ms window). */
export function perSecondPoints(points: readonly LivePoint[]): LivePoint[] {
  return points.map((p, i) => {
    const ms = i > 0 ? Math.min(2000, p.t - points[i - 1].t) : 250;
    return { ...p, plus: perSecond(p.plus, ms), minus: perSecond(p.minus, ms) };
  });
}

/** The labels drawn on the left (updates/s, signed when − diffs show) and bottom axes. */
export function liveAxes(points: readonly LivePoint[]): { y: string[]; x: string[] } {
  if (points.length === 0) return { y: [], x: [] };
  const pts = perSecondPoints(points);
  let maxN = 1;
  for (const p of pts) maxN = Math.max(maxN, p.rate, p.plus, p.minus);
  maxN = niceMax(maxN);
  const hasMinus = pts.some((p) => p.minus > 0);
  const nMin = hasMinus ? -maxN : 0;
  const y = [0, 1, 2, 3, 4].map((k) => fmtAxis(nMin + ((maxN - nMin) * k) / 4, hasMinus));
  return { y, x: timeTicks(points[0].t, points[points.length - 1].t).map((t) => t.label) };
}

export function drawLive(ctx: CanvasRenderingContext2D, rawPoints: readonly LivePoint[], w: number, h: number, c: Colors): void {
  const points = perSecondPoints(rawPoints);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  const pw = Math.max(1, Math.floor(w - PAD.left - PAD.right));
  const ph = h - PAD.top - PAD.bottom;
  if (points.length === 0) {
    ctx.fillStyle = c.axis;
    ctx.fillText('waiting for the first batch…', PAD.left + 8, PAD.top + ph / 2);
    return;
  }
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  let maxN = 1;
  let fMin = Number.POSITIVE_INFINITY;
  let fMax = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    maxN = Math.max(maxN, p.rate, p.plus, p.minus);
    if (p.frontier !== null) {
      fMin = Math.min(fMin, p.frontier);
      fMax = Math.max(fMax, p.frontier);
    }
  }
  maxN = niceMax(maxN);
  const hasMinus = points.some((p) => p.minus > 0);
  const nMin = hasMinus ? -maxN : 0;
  const yN = (v: number) => PAD.top + ph - ((v - nMin) / (maxN - nMin)) * ph;
  if (fMax === fMin) {
    fMax += 1;
    fMin -= 1;
  }
  const yF = (v: number) => PAD.top + ph - ((v - fMin) / (fMax - fMin)) * ph;
  const xOf = (i: number) => PAD.left + i + 0.5;

  // grid and axes
  ctx.strokeStyle = c.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = c.axis;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  let lastFrontierLabel = '';
  for (let k = 0; k <= 4; k++) {
    const v = nMin + ((maxN - nMin) * k) / 4;
    const y = Math.round(yN(v)) + 0.5;
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(PAD.left + pw, y);
    ctx.textAlign = 'right';
    ctx.fillText(fmtAxis(v, hasMinus), PAD.left - 6, y + 4);
    if (fMax > fMin && Number.isFinite(fMin)) {
      const label = fmtCount(Math.round(fMin + ((fMax - fMin) * k) / 4));
      if (label !== lastFrontierLabel) {
        ctx.textAlign = 'left';
        ctx.fillText(label, PAD.left + pw + 6, Math.round(yF(fMin + ((fMax - fMin) * k) / 4)) + 4);
      }
      lastFrontierLabel = label;
    }
  }
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.textAlign = 'center';
  for (const tick of timeTicks(t0, t1)) {
    ctx.fillText(tick.label, PAD.left + (t1 > t0 ? ((tick.t - t0) / (t1 - t0)) * pw : 0), h - 6);
  }

  // + diffs (up) and − diffs (down) as filled areas, per-column max
  const area = (value: (p: LivePoint) => number, sign: 1 | -1, color: string) => {
    const { hi } = columns(points, pw, t0, t1, value);
    ctx.beginPath();
    ctx.moveTo(xOf(0), yN(0));
    let last = 0;
    for (let i = 0; i < pw; i++) {
      if (!Number.isNaN(hi[i])) last = hi[i];
      ctx.lineTo(xOf(i), yN(sign * last));
    }
    ctx.lineTo(xOf(pw - 1), yN(0));
    ctx.closePath();
    ctx.globalAlpha = 0.35;
    ctx.fillStyle = color;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.stroke();
  };
  area((p) => p.plus, 1, c.plus);
  if (hasMinus) area((p) => p.minus, -1, c.minus);

  // a line through each column's min and max (spikes survive downsampling)
  const line = (value: (p: LivePoint) => number, y: (v: number) => number, color: string, width: number, skip?: (p: LivePoint) => boolean) => {
    const pts = skip ? points.filter((p) => !skip(p)) : points;
    if (pts.length === 0) return;
    const { lo, hi } = columns(pts, pw, t0, t1, value);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < pw; i++) {
      if (Number.isNaN(lo[i])) continue;
      if (!started) ctx.moveTo(xOf(i), y(lo[i]));
      else ctx.lineTo(xOf(i), y(lo[i]));
      if (hi[i] !== lo[i]) ctx.lineTo(xOf(i), y(hi[i]));
      started = true;
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.stroke();
    ctx.lineWidth = 1;
  };
  line((p) => p.rate, yN, c.rate, 2);
  line((p) => p.frontier ?? 0, yF, c.frontier, 1.5, (p) => p.frontier === null);
}

function LiveChartImpl({ points }: { points: LivePoint[] }) {
  const c = useChartColors();
  const canvas = useRef<HTMLCanvasElement>(null);
  const latest = useRef({ points, c });
  latest.current = { points, c };
  const frame = useRef<number | null>(null);
  const width = useRef(0);

  const schedule = () => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const el = canvas.current;
      if (!el || width.current === 0) return;
      const dpr = window.devicePixelRatio || 1;
      const w = width.current;
      if (el.width !== Math.round(w * dpr) || el.height !== Math.round(HEIGHT * dpr)) {
        el.width = Math.round(w * dpr);
        el.height = Math.round(HEIGHT * dpr);
      }
      const ctx = el.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawLive(ctx, latest.current.points, w, HEIGHT, latest.current.c);
    });
  };

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      width.current = Math.floor(entries[0].contentRect.width);
      schedule();
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, []);
  useEffect(schedule, [points, c]);

  const last = points[points.length - 1];
  const axes = liveAxes(points);
  return (
    <figure className="chart live-chart" aria-label="Live updates per second" data-y-axis={axes.y.join(' | ')} data-x-axis={axes.x.join(' | ')}>
      <canvas ref={canvas} style={{ width: '100%', height: HEIGHT, display: 'block' }} role="img" aria-label={last ? `${Math.round(last.rate)} updates per second` : 'no points yet'} />
      <figcaption className="legend">
        <span><i style={{ background: c.rate }} /> updates/s</span>
        <span><i style={{ background: c.plus }} /> + diffs/s (up)</span>
        <span><i style={{ background: c.minus }} /> − diffs/s (down)</span>
        <span><i style={{ background: c.frontier }} /> frontier (right axis, a time)</span>
      </figcaption>
    </figure>
  );
}

/** Redrawn only when its points change (not on every push of the shard's detail). */
export const LiveChart = memo(LiveChartImpl);
