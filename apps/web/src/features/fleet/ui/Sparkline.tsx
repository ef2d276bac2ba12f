import { memo } from 'react';

export interface SparkPoint {
  t: number;
  v: number;
}

/**
 * A tiny SVG line (and soft fill) for host cards. Plain SVG rather than a chart library: a
 * fleet page draws dozens of these and they update every few seconds.
 */
export const Sparkline = memo(function Sparkline({ points, max, color = 'var(--accent)', height = 26, width = 120, label }: { points: SparkPoint[]; max?: number; color?: string; height?: number; width?: number; label?: string }) {
  if (points.length < 2) return <svg className="spark" width={width} height={height} aria-label={label} role="img" />;
  const t0 = points[0]!.t;
  const t1 = points[points.length - 1]!.t;
  const span = Math.max(1, t1 - t0);
  const top = max ?? Math.max(1, ...points.map((p) => p.v));
  const x = (t: number) => ((t - t0) / span) * (width - 2) + 1;
  const y = (v: number) => height - 2 - (Math.min(Math.max(v, 0), top) / top) * (height - 4);
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  const area = `${line}L${x(t1).toFixed(1)},${height}L${x(t0).toFixed(1)},${height}Z`;
  return (
    <svg className="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-label={label} role="img">
      <path d={area} fill={color} opacity={0.12} />
      <path d={line} fill="none" stroke={color} strokeWidth={1.4} vectorEffect="non-scaling-stroke" />
    </svg>
  );
});
