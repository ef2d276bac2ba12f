import { useEffect, useMemo, useState } from 'react';
import type { BenchRunListItem } from '@boocontrol/contracts';
import { fmtDateTime } from '../fleet/ui/format';
import { fetchBenchRuns } from './bench.api';
import { fmtRate } from './PointTable';
import { errText, useBenchLive } from './use-bench';

/** The comparison endpoint takes two to eight runs. */
export const MAX_COMPARE = 8;

const levelsOf = (r: BenchRunListItem) => (r.spec.driver.kind === 'rate' ? `${r.spec.driver.rates.join(',')}/s` : r.spec.driver.levels.join(','));

/**
 * Stored runs, newest first, filtered by host and model (the control filters; the choices are
 * the hosts and models that have runs). Ticking two or more and pressing Compare overlays them.
 * The list reloads when a live run changes state or finishes a point, and every 15 s.
 */
export function RunList({ openId, compareIds, onOpen, onCompare }: { openId: string | null; compareIds: string[]; onOpen: (id: string) => void; onCompare: (ids: string[]) => void }) {
  const [host, setHost] = useState('');
  const [model, setModel] = useState('');
  const [runs, setRuns] = useState<BenchRunListItem[] | null>(null);
  const [all, setAll] = useState<BenchRunListItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<string[]>(compareIds);
  const live = useBenchLive();
  const liveKey = Object.values(live ?? {})
    .map((f) => `${f.runId}:${f.status}:${f.lastPoint?.index ?? -1}`)
    .join('|');

  // the URL's comparison seeds the ticks (by value: the parent passes a new array each render)
  const compareKey = compareIds.join(',');
  useEffect(() => setPicked(compareKey ? compareKey.split(',') : []), [compareKey]);
  useEffect(() => {
    const ac = new AbortController();
    const load = () => {
      fetchBenchRuns({ ...(host ? { host } : {}), ...(model ? { model } : {}) }, ac.signal).then(
        (r) => {
          setRuns(r.runs);
          setError(null);
          if (!host && !model) setAll(r.runs);
        },
        (e: unknown) => !ac.signal.aborted && setError(errText(e)),
      );
    };
    load();
    const t = setInterval(load, 15_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [host, model, liveKey]);

  const hosts = useMemo(() => [...new Set(all.map((r) => r.hostId).filter((h): h is string => !!h))].sort(), [all]);
  const models = useMemo(() => [...new Set(all.filter((r) => !host || r.hostId === host).map((r) => r.model).filter((m): m is string => !!m))].sort(), [all, host]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= MAX_COMPARE ? p : [...p, id]));

  return (
    <div className="panel bench-runs" data-testid="bench-runs">
      <div className="bench-runs-head">
        <h4>Runs</h4>
        <select value={host} onChange={(e) => setHost(e.target.value)} aria-label="filter by host" data-testid="bench-filter-host">
          <option value="">all hosts</option>
          {hosts.map((h) => (
            <option key={h}>{h}</option>
          ))}
        </select>
        <select value={model} onChange={(e) => setModel(e.target.value)} aria-label="filter by model" data-testid="bench-filter-model">
          <option value="">all models</option>
          {models.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <button type="button" className="hc-btn" disabled={picked.length < 2} onClick={() => onCompare(picked)} data-testid="bench-compare-go" title="overlay the ticked runs">
          Compare {picked.length > 0 ? `(${picked.length})` : ''}
        </button>
      </div>
      {error && <div className="error-text small">{error}</div>}
      <div className="bench-runs-scroll">
        <table className="table">
          <thead>
            <tr>
              <th />
              <th>started</th>
              <th>host · model</th>
              <th>levels</th>
              <th>status</th>
              <th className="num">points</th>
              <th className="num">capacity</th>
              <th className="num">peak tok/s</th>
            </tr>
          </thead>
          <tbody>
            {(runs ?? []).map((r) => (
              <tr key={r.id} className={`bench-run-row ${r.id === openId ? 'selected' : ''}`} data-testid="bench-run-row" data-run={r.id} data-status={r.status} onClick={() => onOpen(r.id)}>
                <td onClick={(e) => e.stopPropagation()}>
                  <input type="checkbox" checked={picked.includes(r.id)} onChange={() => toggle(r.id)} aria-label="compare this run" data-testid="bench-compare-check" />
                </td>
                <td className="nowrap muted">{fmtDateTime(r.createdAt)}</td>
                <td>
                  {r.model} <span className="muted">@ {r.hostId}</span>
                </td>
                <td className="mono">{levelsOf(r)}</td>
                <td>
                  <span className={`bench-status status-${r.status}`}>{r.status}</span>
                </td>
                <td className="num">{r.pointCount}</td>
                <td className="num">{r.summary?.capacity.maxLevel ?? '—'}</td>
                <td className="num">{fmtRate(r.summary?.peakOutputTps)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {runs?.length === 0 && <div className="muted small">No runs{host || model ? ' match the filter' : ' yet: start one on the left'}.</div>}
        {runs === null && !error && <div className="muted small">Loading…</div>}
      </div>
    </div>
  );
}
