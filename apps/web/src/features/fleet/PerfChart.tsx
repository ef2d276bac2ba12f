import { memo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PerfResponse } from '@boocontrol/contracts';

const COLORS = ['#35d0ff', '#7cffc4', '#ffb547', '#ff5470', '#b18cff', '#f5f07a'];

export interface ChartSpec {
  title: string;
  metric: string;
  unit: string;
  /** Fixed top of the y axis (percentages), else automatic. */
  max?: number;
  /** Name of a series (GPU index or ''). */
  name(series: string): string;
}

function tickTime(rangeMs: number) {
  return (t: number) => {
    const d = new Date(t);
    if (rangeMs > 2 * 86_400_000) return d.toLocaleDateString(undefined, { month: 'short', day: '2-digit' });
    return d.toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit' });
  };
}

/** One metric over time, one area per series (GPU), from the perf API response. */
export const PerfChart = memo(function PerfChart({ data, spec, rangeMs }: { data: PerfResponse; spec: ChartSpec; rangeMs: number }) {
  const series = data.series.filter((s) => s.metric === spec.metric);
  const rows = new Map<number, Record<string, number>>();
  for (const s of series) {
    const key = spec.name(s.series);
    for (const p of s.points) {
      const row = rows.get(p.t) ?? { t: p.t };
      row[key] = Math.round(p.v * 10) / 10;
      rows.set(p.t, row);
    }
  }
  const table = [...rows.values()].sort((a, b) => a.t! - b.t!);
  const keys = series.map((s) => spec.name(s.series));
  return (
    <div className="panel chart-panel" data-testid="perf-chart" data-metric={spec.metric}>
      <h4>
        {spec.title} <span className="muted">({spec.unit})</span>
      </h4>
      <div className="chart-body">
        {table.length === 0 ? (
          <div className="muted small">no samples in this range</div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={table} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
              <CartesianGrid stroke="#1c2a38" strokeDasharray="2 4" />
              <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} tickFormatter={tickTime(rangeMs)} stroke="#6f8397" fontSize={11} />
              <YAxis domain={[0, spec.max ?? 'auto']} stroke="#6f8397" fontSize={11} />
              <Tooltip
                contentStyle={{ background: '#0c1219', border: '1px solid #1c2a38', fontSize: 12 }}
                labelFormatter={(t) => new Date(Number(t)).toLocaleString()}
                formatter={(v) => [`${String(v)} ${spec.unit}`]}
              />
              {keys.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
              {keys.map((k, i) => (
                <Area key={k} type="monotone" dataKey={k} stroke={COLORS[i % COLORS.length]} fill={COLORS[i % COLORS.length]} fillOpacity={0.12} strokeWidth={1.5} dot={false} isAnimationActive={false} />
              ))}
            </AreaChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
});
