import type { UsageRow } from '@boocontrol/contracts';

export type UsageMetric = 'requests' | 'tokens' | 'energyWh' | 'busyS';
const VALUE: Record<UsageMetric, (r: UsageRow) => number> = {
  requests: (r) => r.requests,
  tokens: (r) => r.inputTokens + r.outputTokens,
  energyWh: (r) => r.energyWh,
  busyS: (r) => r.busyS,
};

const fmt = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : Number.isInteger(v) ? String(v) : v.toFixed(1));

/** Horizontal bars, one per group, in plain SVG (errors drawn over the requests bar in red). */
export function UsageChart({ rows, metric }: { rows: UsageRow[]; metric: UsageMetric }) {
  const value = VALUE[metric];
  const max = Math.max(1, ...rows.map(value));
  const rowH = 22;
  const labelW = 150;
  const width = 640;
  const barW = width - labelW - 70;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  return (
    <svg className="usage-chart" data-testid="usage-chart" viewBox={`0 0 ${width} ${height}`} width="100%" height={height} role="img" aria-label={`${metric} by group`}>
      {rows.map((r, i) => {
        const y = i * rowH + 2;
        const w = (value(r) / max) * barW;
        const errW = metric === 'requests' && r.requests > 0 ? (r.errors / r.requests) * w : 0;
        return (
          <g key={r.key} data-testid="usage-bar" data-key={r.key}>
            <text x={labelW - 8} y={y + 14} textAnchor="end" className="chart-label">
              {r.key === '' ? '(unattributed)' : r.key}
            </text>
            <rect x={labelW} y={y + 3} width={Math.max(1, w)} height={rowH - 8} rx={2} className="bar" />
            {errW > 0 && <rect x={labelW + w - errW} y={y + 3} width={errW} height={rowH - 8} className="bar-err" />}
            <text x={labelW + w + 6} y={y + 14} className="chart-value">
              {fmt(value(r))}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
