// Keeps a chart to about as many points as it has pixels: per bucket, the first point plus the
// points holding the bucket's min and max of `value` (so spikes survive).
export function downsample<T>(points: readonly T[], maxPoints: number, value: (p: T) => number): T[] {
  if (points.length <= maxPoints || maxPoints < 3) return points.slice();
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const size = points.length / buckets;
  const out: T[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    if (start >= end) continue;
    let min = start;
    let max = start;
    for (let i = start + 1; i < end; i++) {
      const v = value(points[i]);
      if (v < value(points[min])) min = i;
      if (v > value(points[max])) max = i;
    }
    const picks = [...new Set([start, min, max])].sort((a, c) => a - c);
    for (const i of picks) out.push(points[i]);
  }
  const lastPoint = points[points.length - 1];
  if (out[out.length - 1] !== lastPoint) out.push(lastPoint);
  return out;
}
