import { memo } from 'react';
import { fmtTick, levelX, linearY } from './chart-math';

/** One measured point of a series; `flags` names why it should not be trusted as is. */
export interface SweepPoint {
  x: number;
  y: number | null;
  /** ± band (e.g. the stddev over repetitions), drawn as an error bar */
  err?: number | null;
  flags?: string[];
  /** extra text for the hover title */
  note?: string;
}

export interface SweepSeries {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
  points: SweepPoint[];
}

/** A horizontal bound (an SLO) or a vertical marker (capacity, knee). */
export interface RefLine {
  key: string;
  label: string;
  color: string;
  value: number;
  kind: 'slo' | 'capacity' | 'knee';
}

export interface SweepChartProps {
  id: string;
  title: string;
  unit: string;
  xLabel: string;
  series: SweepSeries[];
  /** horizontal lines at y = value */
  bounds?: RefLine[];
  /** vertical lines at x = value */
  markers?: RefLine[];
}

const W = 560;
const H = 250;
const M = { left: 52, right: 14, top: 14, bottom: 34 };
/** A bound far above the data would flatten every point into the bottom edge: past this factor it is named, not drawn. */
const MAX_BOUND_FACTOR = 4;

const fmtVal = (v: number, unit: string) => `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${unit}`;

/**
 * A metric against the sweep's level (concurrency or rate), one line per series, with the
 * SLO bound as a dashed horizontal line and capacity / knee as vertical markers. Flagged points
 * (noisy, contaminated…) get an amber ring and say why in their hover title.
 */
export const SweepChart = memo(function SweepChart({ id, title, unit, xLabel, series, bounds = [], markers = [] }: SweepChartProps) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const dataMax = Math.max(0, ...series.flatMap((s) => s.points.map((p) => (p.y ?? 0) + (p.err ?? 0))));
  const drawn = bounds.filter((b) => dataMax === 0 || b.value <= dataMax * MAX_BOUND_FACTOR);
  const offScale = bounds.filter((b) => !drawn.includes(b));
  const x = levelX(xs, M.left, W - M.right);
  const y = linearY(Math.max(dataMax, ...drawn.map((b) => b.value * 1.08), 1e-6), H - M.bottom, M.top);
  const empty = series.every((s) => s.points.every((p) => p.y === null));
  return (
    <div className="panel bench-chart" data-testid="bench-chart" data-chart={id}>
      <h4>
        {title} <span className="muted">({unit})</span>
        {offScale.map((b) => (
          <span key={b.key} className="bench-offscale" data-testid="bench-slo-offscale" title="the bound is far above every measured value">
            {b.label} (above the chart)
          </span>
        ))}
      </h4>
      <svg viewBox={`0 0 ${W} ${H}`} className="bench-svg" role="img" aria-label={title}>
        {y.ticks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" className="tick">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {x.ticks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={H - M.bottom + 16} textAnchor="middle" className="tick">
            {fmtTick(t)}
          </text>
        ))}
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} className="axis" />
        <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" className="axis-label">
          {xLabel}
          {x.log ? ' (log scale)' : ''}
        </text>
        {drawn.map((b) => (
          <g key={b.key} data-testid="bench-slo-line" data-value={b.value}>
            <line x1={M.left} x2={W - M.right} y1={y(b.value)} y2={y(b.value)} stroke={b.color} strokeDasharray="6 4" strokeWidth={1.2} />
            <text x={W - M.right - 4} y={y(b.value) - 5} textAnchor="end" className="ref-label" fill={b.color}>
              {b.label}
            </text>
          </g>
        ))}
        {markers.map((m, i) => (
          <g key={m.key} data-testid={m.kind === 'capacity' ? 'bench-capacity-line' : 'bench-knee-line'} data-value={m.value}>
            <line x1={x(m.value)} x2={x(m.value)} y1={M.top} y2={H - M.bottom} stroke={m.color} strokeDasharray={m.kind === 'knee' ? '2 3' : '5 3'} strokeWidth={1.4} />
            {/* right of the line, or left of it in the right part of the chart so the label is not cut off */}
            <text x={x(m.value) + (x(m.value) > W * 0.6 ? -4 : 4)} y={M.top + 10 + i * 13} textAnchor={x(m.value) > W * 0.6 ? 'end' : 'start'} className="ref-label" fill={m.color}>
              {m.label}
            </text>
          </g>
        ))}
        {series.map((s) => {
          const pts = s.points.filter((p): p is SweepPoint & { y: number } => p.y !== null).sort((a, b) => a.x - b.x);
          const d = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
          return (
            <g key={s.key} data-series={s.key}>
              <path d={d} fill="none" stroke={s.color} strokeWidth={1.8} strokeDasharray={s.dashed ? '5 4' : undefined} />
              {pts.map((p) => {
                const flagged = (p.flags ?? []).length > 0;
                return (
                  <g key={p.x} data-testid="bench-chart-point" data-flags={(p.flags ?? []).join(',')}>
                    {p.err ? <line x1={x(p.x)} x2={x(p.x)} y1={y(p.y - p.err)} y2={y(p.y + p.err)} stroke={s.color} strokeWidth={1} opacity={0.7} /> : null}
                    {flagged && <circle cx={x(p.x)} cy={y(p.y)} r={7} fill="none" stroke="var(--warn)" strokeWidth={1.5} />}
                    <circle cx={x(p.x)} cy={y(p.y)} r={3.2} fill={s.dashed ? 'var(--panel)' : s.color} stroke={s.color} strokeWidth={1.4}>
                      <title>{`${s.label} at ${fmtTick(p.x)}: ${fmtVal(p.y, unit)}${p.err ? ` ± ${fmtVal(p.err, unit)}` : ''}${p.note ? `\n${p.note}` : ''}${flagged ? `\nflagged: ${(p.flags ?? []).join(', ')}` : ''}`}</title>
                    </circle>
                  </g>
                );
              })}
            </g>
          );
        })}
        {empty && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="tick">
            no measured points yet
          </text>
        )}
      </svg>
      <div className="bench-legend">
        {series.map((s) => (
          <span key={s.key}>
            <i style={{ borderColor: s.color, borderStyle: s.dashed ? 'dashed' : 'solid' }} /> {s.label}
          </span>
        ))}
      </div>
    </div>
  );
});
