import type { HostResidency } from '@boocontrol/contracts';

const COLORS = ['#35d0ff', '#7cffc4', '#b18cff', '#f5f07a', '#ff9ad5', '#8fd3ff'];
const TRIGGER_COLOR: Record<string, string> = { queue: '#35d0ff', gateway: '#b18cff', traffic: '#7cffc4', unknown: '#6f8397' };

function tick(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs > 2 * 86_400_000) return d.toLocaleDateString(undefined, { month: 'short', day: '2-digit' });
  return d.toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit' });
}

/**
 * Residency swimlanes in plain SVG: one lane per host × model, amber while loading, the model's
 * colour while ready; a tick under the lane per swap, coloured by who triggered it.
 */
export function Swimlane({ hosts, from, to }: { hosts: HostResidency[]; from: string; to: string }) {
  const t0 = Date.parse(from);
  const t1 = Math.min(Date.parse(to), Date.now());
  const span = Math.max(1, t1 - t0);
  const labelW = 190;
  const width = 900;
  const plotW = width - labelW - 10;
  const laneH = 20;
  const lanes = hosts.flatMap((h) => h.lanes.map((l) => ({ host: h.hostId, lane: l, swaps: h.swaps.filter((s) => s.model === l.model) })));
  const height = lanes.length * laneH + 24;
  const x = (t: number) => labelW + ((Math.min(Math.max(t, t0), t1) - t0) / span) * plotW;
  if (lanes.length === 0) return <div className="muted small" data-testid="swimlane-empty">no model was resident in this range</div>;
  return (
    <svg className="swimlane" data-testid="swimlane" viewBox={`0 0 ${width} ${height}`} width="100%" height={height} role="img" aria-label="model residency">
      {lanes.map(({ host, lane, swaps }, i) => {
        const y = i * laneH;
        const color = COLORS[i % COLORS.length];
        return (
          <g key={`${host}/${lane.model}`} data-testid="swimlane-lane" data-host={host} data-model={lane.model}>
            <text x={labelW - 8} y={y + 14} textAnchor="end" className="chart-label">
              {host} · {lane.model}
            </text>
            <rect x={labelW} y={y + 3} width={plotW} height={laneH - 6} className="lane-bg" />
            {lane.segments.map((s, j) => {
              const a = x(Date.parse(s.from));
              const b = x(s.to ? Date.parse(s.to) : t1);
              return (
                <rect key={j} x={a} y={y + 4} width={Math.max(1.5, b - a)} height={laneH - 8} fill={s.state === 'loading' ? '#ffb547' : color} opacity={s.state === 'loading' ? 0.9 : 0.75}>
                  <title>{`${lane.model} ${s.state} ${new Date(s.from).toLocaleString()} — ${s.to ? new Date(s.to).toLocaleString() : 'now'}`}</title>
                </rect>
              );
            })}
            {swaps.map((s, j) => (
              <rect key={`s${j}`} x={x(Date.parse(s.at)) - 1} y={y + laneH - 4} width={2} height={4} fill={s.failed ? '#ff5470' : TRIGGER_COLOR[s.trigger]}>
                <title>{`load ${s.failed ? 'failed' : s.loadMs !== null ? `${(s.loadMs / 1000).toFixed(1)} s` : '…'} · ${s.trigger}${s.jobType ? ` (${s.jobType})` : ''}`}</title>
              </rect>
            ))}
          </g>
        );
      })}
      {[0, 0.25, 0.5, 0.75, 1].map((f) => (
        <text key={f} x={labelW + f * plotW} y={height - 4} textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'} className="chart-axis">
          {tick(t0 + f * span, span)}
        </text>
      ))}
    </svg>
  );
}
