import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { CompareReport, ResidencyReport, UsageGroup, UsageReport } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fmtInt, fmtMs, fmtTps } from '../fleet/ui/format';
import { AlertsPanel } from './AlertsPanel';
import { exportUrl, fetchCompare, fetchResidency, fetchUsage, type RangeSel } from './reports.api';
import { SavedReports } from './SavedReports';
import { Swimlane } from './Swimlane';
import { UsageChart, type UsageMetric } from './UsageChart';
import './reports.css';

const RANGES = ['24h', '7d', '30d', '90d'] as const;
const GROUPS: UsageGroup[] = ['host', 'model', 'consumer', 'day'];
const METRICS: Array<{ key: UsageMetric; label: string }> = [
  { key: 'requests', label: 'requests' },
  { key: 'tokens', label: 'tokens' },
  { key: 'energyWh', label: 'energy Wh' },
  { key: 'busyS', label: 'busy s' },
];
const n1 = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? fmtInt(v) : v.toFixed(1));
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

function Downloads({ kind, q }: { kind: 'usage' | 'residency' | 'compare'; q: Record<string, string | undefined> }) {
  return (
    <span className="downloads">
      {(['csv', 'md', 'json'] as const).map((f) => (
        <a key={f} href={exportUrl(kind, q, f)} download className="dl" data-testid={`download-${kind}-${f}`}>
          <Icon name="download" /> {f.toUpperCase()}
        </a>
      ))}
    </span>
  );
}

/**
 * What happened on the fleet over a range: usage grouped by host, model, consumer or day (from
 * the rollups), which models were resident when, bench comparisons, alerts and saved reports.
 * Range and grouping live in the URL (?range=7d&group=model), so a view can be linked.
 */
export function ReportsView() {
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? '24h';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const group = (GROUPS.includes(params.get('group') as UsageGroup) ? params.get('group') : 'host') as UsageGroup;
  const [metric, setMetric] = useState<UsageMetric>('requests');
  const [usage, setUsage] = useState<UsageReport | null>(null);
  const [residency, setResidency] = useState<ResidencyReport | null>(null);
  const [compare, setCompare] = useState<CompareReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sel: RangeSel = useMemo(() => (from ? { from, ...(to ? { to } : {}) } : { range }), [range, from, to]);
  const set = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v === null) next.delete(k);
    else next.set(k, v);
    if (k === 'range') {
      next.delete('from');
      next.delete('to');
    }
    setParams(next, { replace: true });
  };

  useEffect(() => {
    const ac = new AbortController();
    const load = () =>
      Promise.all([fetchUsage(sel, group, ac.signal), fetchResidency(sel, undefined, ac.signal), fetchCompare(ac.signal)])
        .then(([u, r, c]) => {
          setUsage(u);
          setResidency(r);
          setCompare(c);
          setError(null);
        })
        .catch((e: unknown) => !ac.signal.aborted && setError(e instanceof Error ? e.message : String(e)));
    void load();
    // Rollups move on every minute; so does the view.
    const t = setInterval(load, 30_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [sel, group]);

  const q = { ...sel, groupBy: group };
  return (
    <div className="reports" data-testid="view-reports">
      <AlertsPanel />
      <div className="toolbar">
        <div className="range-tabs" role="tablist" aria-label="range">
          {RANGES.map((r) => (
            <button key={r} type="button" className={!from && r === range ? 'active' : ''} onClick={() => set('range', r)} data-testid={`range-${r}`}>
              {r}
            </button>
          ))}
        </div>
        <label className="small muted">
          from <input type="datetime-local" value={from.slice(0, 16)} onChange={(e) => set('from', e.target.value ? new Date(e.target.value).toISOString() : null)} aria-label="from" />
        </label>
        <label className="small muted">
          to <input type="datetime-local" value={to.slice(0, 16)} onChange={(e) => set('to', e.target.value ? new Date(e.target.value).toISOString() : null)} aria-label="to" />
        </label>
        <div className="range-tabs" role="tablist" aria-label="group by">
          {GROUPS.map((g) => (
            <button key={g} type="button" className={g === group ? 'active' : ''} onClick={() => set('group', g)} data-testid={`group-${g}`}>
              by {g}
            </button>
          ))}
        </div>
        {error && <span className="error-text small">{error}</span>}
      </div>

      <div className="panel" data-testid="usage-panel">
        <h4>
          Usage by {group}
          {usage && (
            <span className="muted">
              {' '}
              · {new Date(usage.from).toLocaleString()} — {new Date(usage.to).toLocaleString()}
            </span>
          )}
          <Downloads kind="usage" q={q} />
        </h4>
        <div className="range-tabs metric-tabs">
          {METRICS.map((m) => (
            <button key={m.key} type="button" className={m.key === metric ? 'active' : ''} onClick={() => setMetric(m.key)}>
              {m.label}
            </button>
          ))}
        </div>
        {usage && usage.rows.length === 0 ? <div className="muted small">no requests in this range</div> : usage && <UsageChart rows={usage.rows} metric={metric} />}
        {usage && (
          <table className="table usage-table" data-testid="usage-table">
            <thead>
              <tr>
                <th>{group}</th>
                <th className="num">requests</th>
                <th className="num">errors</th>
                <th className="num">prompt tok</th>
                <th className="num">gen tok</th>
                <th className="num">TTFT p50 / p95</th>
                <th className="num">tok/s p50</th>
                <th className="num">busy</th>
                <th className="num">GPU busy</th>
                <th className="num">swaps</th>
                <th className="num">loading</th>
                <th className="num">energy Wh</th>
                <th className="num">Wh / 1k tok</th>
              </tr>
            </thead>
            <tbody>
              {[...usage.rows, usage.totals].map((r) => (
                <tr key={r.key} className={r === usage.totals ? 'totals' : ''} data-testid="usage-row" data-key={r.key}>
                  <td>{r === usage.totals ? 'total' : r.key || '(unattributed)'}</td>
                  <td className="num" data-col="requests">{fmtInt(r.requests)}</td>
                  <td className="num">{r.errors > 0 ? `${fmtInt(r.errors)} (${pct(r.errorRate)})` : '0'}</td>
                  <td className="num">{fmtInt(r.inputTokens)}</td>
                  <td className="num">{fmtInt(r.outputTokens)}</td>
                  <td className="num">
                    {fmtMs(r.ttftP50Ms)} / {fmtMs(r.ttftP95Ms)}
                  </td>
                  <td className="num">{fmtTps(r.genP50Tps)}</td>
                  <td className="num">{n1(r.busyS)} s</td>
                  <td className="num">{n1(r.gpuBusyS)} s</td>
                  <td className="num">{n1(r.swaps)}</td>
                  <td className="num">{r.loadS === null ? '—' : `${n1(r.loadS)} s`}</td>
                  <td className="num" data-col="energy">{n1(r.energyWh)}</td>
                  <td className="num">{r.whPer1kTokens === null ? '—' : r.whPer1kTokens.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {usage && usage.idleEnergyWh > 0 && <div className="muted small">idle energy (hours without requests): {n1(usage.idleEnergyWh)} Wh</div>}
      </div>

      <div className="panel" data-testid="residency-panel">
        <h4>
          Residency <span className="muted">· loading in amber; ticks are swaps (cyan: action queue, green: traffic, violet: gateway, red: failed)</span>
          <Downloads kind="residency" q={sel as Record<string, string | undefined>} />
        </h4>
        {residency && <Swimlane hosts={residency.hosts} from={residency.from} to={residency.to} />}
      </div>

      <div className="panel" data-testid="compare-panel">
        <h4>
          Bench comparison <span className="muted">· latest run against the previous one, lowest load level</span>
          <Downloads kind="compare" q={{}} />
        </h4>
        {compare && compare.bench.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>host</th>
                <th>model</th>
                <th className="num">TTFT p95</th>
                <th className="num">change</th>
                <th className="num">TPOT p50</th>
                <th className="num">change</th>
                <th className="num">output tok/s</th>
                <th className="num">change</th>
              </tr>
            </thead>
            <tbody>
              {compare.bench.map((b) => (
                <tr key={`${b.hostId}/${b.model}`}>
                  <td>{b.hostId}</td>
                  <td>{b.model}</td>
                  <td className="num">{fmtMs(b.latest.figures.ttftP95Ms)}</td>
                  <td className="num">{pct(b.deltas.ttftP95Ms ?? null)}</td>
                  <td className="num">{fmtMs(b.latest.figures.tpotP50Ms)}</td>
                  <td className="num">{pct(b.deltas.tpotP50Ms ?? null)}</td>
                  <td className="num">{fmtTps(b.latest.figures.outputTps)}</td>
                  <td className="num">{pct(b.deltas.outputTps ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {compare?.note && <div className="muted small" data-testid="compare-note">{compare.note}</div>}
      </div>

      <SavedReports />
    </div>
  );
}
