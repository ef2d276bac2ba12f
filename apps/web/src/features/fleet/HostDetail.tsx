import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { PerfResponse, TransitionList } from '@boocontrol/contracts';
import { useFleet as useFleetLive, useHost } from '../../live/context';
import { SwitchModelButton } from '../actions/ActionsLayer';
import { fetchPerf, fetchTransitions } from './fleet.api';
import { PerfChart, type ChartSpec } from './PerfChart';
import { fmtAgo, fmtDateTime, fmtDuration, fmtMb } from './ui/format';
import { StatusDot } from './ui/StatusDot';
import { useNow } from './ui/use-now';
import { Icon } from '../../components/Icon';
import { HostResidency } from '../reports/HostResidency';
import './fleet.css';
import { ConsumerUsage } from '../models/ConsumerUsage';

const RANGES = [
  { key: '15m', label: '15 min', ms: 15 * 60_000, refreshMs: 10_000 },
  { key: '6h', label: '6 h', ms: 6 * 3600_000, refreshMs: 60_000 },
  { key: '48h', label: '48 h', ms: 48 * 3600_000, refreshMs: 300_000 },
  { key: '30d', label: '30 d', ms: 30 * 86_400_000, refreshMs: 600_000 },
] as const;

const gpu = (s: string) => `GPU${s}`;
const CHARTS: ChartSpec[] = [
  { title: 'GPU utilisation', metric: 'gpu_util_pct', unit: '%', max: 100, name: gpu },
  { title: 'VRAM used', metric: 'gpu_mem_used_mb', unit: 'MB', name: gpu },
  { title: 'GPU temperature', metric: 'gpu_temp_c', unit: '°C', name: gpu },
  { title: 'GPU power', metric: 'gpu_power_w', unit: 'W', name: gpu },
  { title: 'CPU', metric: 'cpu_pct', unit: '%', max: 100, name: () => 'CPU' },
  { title: 'RAM used', metric: 'mem_used_mb', unit: 'MB', name: () => 'RAM' },
];

/** One host: live state, its models and their transitions, and perf history over four ranges. */
export function HostDetail() {
  const { hostId = '' } = useParams();
  const host = useHost(hostId);
  const fleet = useFleetLive();
  const now = useNow(1000);
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0]);
  const [perf, setPerf] = useState<PerfResponse | null>(null);
  const [perfError, setPerfError] = useState<string | null>(null);
  const [transitions, setTransitions] = useState<TransitionList['transitions']>([]);

  useEffect(() => {
    const ac = new AbortController();
    const load = () => {
      fetchPerf(hostId, { from: new Date(Date.now() - range.ms).toISOString(), points: 360 }, ac.signal)
        .then((r) => {
          setPerf(r);
          setPerfError(null);
        })
        .catch((e: unknown) => !ac.signal.aborted && setPerfError(e instanceof Error ? e.message : String(e)));
    };
    load();
    const t = setInterval(load, range.refreshMs);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [hostId, range]);

  const modelsKey = host?.models.map((m) => `${m.id}:${m.state}`).join(',');
  useEffect(() => {
    const ac = new AbortController();
    fetchTransitions(hostId, 40, ac.signal)
      .then((r) => setTransitions(r.transitions))
      .catch(() => undefined);
    return () => ac.abort();
  }, [hostId, modelsKey]);

  const unknown = host === null || (host === undefined && fleet !== undefined && !fleet.hosts.some((h) => h.id === hostId));
  if (host === undefined && !unknown) return <div className="muted">Loading host…</div>;
  if (unknown || !host) return <div className="muted">No host “{hostId}”. <Link to="/control/fleet">Back to the fleet</Link></div>;
  return (
    <div className="host-detail" data-testid="host-detail" data-host={host.id}>
      <div className="host-detail-head">
        <Link to="/control/fleet" className="small">
          <Icon name="left" /> fleet
        </Link>
        <StatusDot status={host.status} />
        <h2>{host.label}</h2>
        <span className="host-status" data-testid="host-status">
          {host.status}
        </span>
        {host.statusReason && <span className="host-reason">{host.statusReason}</span>}
        <span style={{ marginLeft: 'auto' }} />
        <Link to={`/control/logs?host=${host.id}`}>logs</Link>
        <Link to={`/control/activity?host=${host.id}`}>activity</Link>
        {host.kind === 'llama-swap' && <SwitchModelButton host={host.id} />}
      </div>
      <div className="chart-grid">
        <div className="panel">
          <h4>Host</h4>
          <dl className="kv">
            <dt>address</dt>
            <dd className="mono">{host.baseUrl}</dd>
            <dt>kind</dt>
            <dd>
              {host.kind} {host.wire ? <span className="muted">({host.wire === 'head' ? 'v236+' : 'legacy, v235 or older'})</span> : null}
            </dd>
            <dt>version</dt>
            <dd className="numeral">{host.version ?? '—'}</dd>
            <dt>connected</dt>
            <dd>{host.connectedAt ? fmtAgo(host.connectedAt, now) : '—'}</dd>
            <dt>epoch</dt>
            <dd title="bumped each time the host restarted">{host.epoch}</dd>
            {host.lastError && (
              <>
                <dt>last error</dt>
                <dd className="error-text small">{host.lastError}</dd>
              </>
            )}
            {host.perf && (
              <>
                <dt>memory</dt>
                <dd>
                  {fmtMb(host.perf.memUsedMb)} / {fmtMb(host.perf.memTotalMb)}
                </dd>
              </>
            )}
          </dl>
        </div>
        <div className="panel">
          <h4>Models</h4>
          <table className="table" data-testid="host-models">
            <thead>
              <tr>
                <th>model</th>
                <th>state</th>
                <th className="num">for</th>
                <th className="num">ctx</th>
              </tr>
            </thead>
            <tbody>
              {host.models.map((m) => (
                <tr key={m.id} className={`state-${m.state}`}>
                  <td title={m.id}>
                    {m.name || m.id} {m.aliases.length > 0 && <span className="muted small">({m.aliases.join(', ')})</span>}
                  </td>
                  <td>
                    <span className="model-state">{m.state}</span>
                  </td>
                  <td className="num numeral small">{m.since ? fmtDuration(now - Date.parse(m.since)) : '—'}</td>
                  <td className="num small">{m.contextLength ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="panel">
          <h4>State transitions</h4>
          <table className="table small" data-testid="transitions">
            <tbody>
              {transitions.length === 0 && (
                <tr>
                  <td className="muted">none recorded yet</td>
                </tr>
              )}
              {transitions.slice(0, 14).map((t) => (
                <tr key={t.id}>
                  <td className="muted">{fmtDateTime(t.at)}</td>
                  <td>{t.model}</td>
                  <td>
                    {t.from} → <b>{t.to}</b>
                  </td>
                  <td className="num">{t.loadMs !== null ? `loaded in ${fmtDuration(t.loadMs)}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <HostResidency hostId={host.id} />
      <div className="host-detail-head">
        <h4 className="muted" style={{ margin: 0, letterSpacing: '0.14em', fontSize: 11, textTransform: 'uppercase' }}>
          Telemetry
        </h4>
        <div className="range-tabs" role="tablist">
          {RANGES.map((r) => (
            <button key={r.key} type="button" className={r.key === range.key ? 'active' : ''} onClick={() => setRange(r)} data-testid={`range-${r.key}`}>
              {r.label}
            </button>
          ))}
        </div>
        {perf && (
          <span className="muted small">
            {perf.source === 'raw' ? 'raw samples' : '5-minute rollups'}, {perf.stepS} s steps
          </span>
        )}
        {perfError && <span className="error-text small">{perfError}</span>}
      </div>
      {perf && (
        <div className="chart-grid">
          {CHARTS.map((c) => (
            <PerfChart key={c.metric} data={perf} spec={c} rangeMs={range.ms} />
          ))}
        </div>
      )}
      <ConsumerUsage host={host.id} />
    </div>
  );
}
