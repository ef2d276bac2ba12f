import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { AnimatePresence, motion } from 'framer-motion';
import { fleetModelRow } from '@boocontrol/contracts';
import type { FleetModel } from '@boocontrol/contracts';
import { useFleet } from '../../live/context';
import { SwitchModelButton } from '../actions/ActionsLayer';
import { fmtAgo, fmtDuration, fmtInt, fmtTps } from '../fleet/ui/format';
import { StatusDot } from '../fleet/ui/StatusDot';
import { useNow } from '../fleet/ui/use-now';
import { useThrottled } from '../fleet/ui/use-throttled';
import { inStateFilter, ModelActions, STATE_FILTERS, stateFilterOf } from './ModelActions';
import { fetchModels } from './models.api';
import { ConsumerUsage } from './ConsumerUsage';
import './models.css';

type SortKey = 'model' | 'host' | 'state' | 'lastUsed' | 'requests' | 'gen' | 'prompt' | 'load';
const STATE_RANK: Record<string, number> = { ready: 0, starting: 1, stopping: 2, unknown: 3, stopped: 4 };

const SORTERS: Record<SortKey, (a: FleetModel, b: FleetModel) => number> = {
  model: (a, b) => a.id.localeCompare(b.id) || a.hostId.localeCompare(b.hostId),
  host: (a, b) => a.hostId.localeCompare(b.hostId) || a.id.localeCompare(b.id),
  state: (a, b) => (STATE_RANK[a.state] ?? 9) - (STATE_RANK[b.state] ?? 9) || a.id.localeCompare(b.id),
  lastUsed: (a, b) => (Date.parse(b.lastUsedAt ?? '') || 0) - (Date.parse(a.lastUsedAt ?? '') || 0),
  requests: (a, b) => b.requests - a.requests,
  gen: (a, b) => (b.medianGenTps ?? -1) - (a.medianGenTps ?? -1),
  prompt: (a, b) => (b.medianPromptTps ?? -1) - (a.medianPromptTps ?? -1),
  load: (a, b) => (a.medianLoadMs ?? Infinity) - (b.medianLoadMs ?? Infinity),
};

/**
 * Every model in the fleet: where it lives, its live state (from the fleet topic), when it was
 * last used, how often, and its median speeds and load time (from stored history); per row
 * Warm, Unload and Switch to, and a filter by state (kept in the URL: `?state=loaded`).
 */
export function ModelsView() {
  const fleet = useThrottled(useFleet(), 500);
  const now = useNow(1000);
  const [days, setDays] = useState(30);
  const [usage, setUsage] = useState<FleetModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sort, setSort] = useState<SortKey>('state');
  const [filter, setFilter] = useState('');
  const [params, setParams] = useSearchParams();
  const stateFilter = stateFilterOf(params.get('state'));
  const setStateFilter = (key: string) => {
    const next = new URLSearchParams(params);
    if (key === 'all') next.delete('state');
    else next.set('state', key);
    setParams(next, { replace: true });
  };

  useEffect(() => {
    const ac = new AbortController();
    const load = () =>
      fetchModels(days, ac.signal)
        .then((r) => {
          setUsage(r.models);
          setError(null);
        })
        .catch((e: unknown) => !ac.signal.aborted && setError(e instanceof Error ? e.message : String(e)));
    void load();
    const t = setInterval(load, 15_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [days]);

  // live state wins over the (up to 15 s old) list; models seen live but not yet listed appear too
  const all = useMemo(() => {
    const byKey = new Map((usage ?? []).map((m) => [m.key, m]));
    const out = (fleet?.hosts ?? []).flatMap((h) => h.models.map((m) => fleetModelRow(h, m, byKey.get(`${h.id}/${m.id}`))));
    const q = filter.trim().toLowerCase();
    return out.filter((m) => !q || `${m.id} ${m.name} ${m.hostLabel} ${m.aliases.join(' ')}`.toLowerCase().includes(q)).sort(SORTERS[sort]);
  }, [fleet, usage, sort, filter]);
  const rows = useMemo(() => all.filter((m) => inStateFilter(m, stateFilter)), [all, stateFilter]);
  // per-model actions exist for llama-swap hosts (script hosts act through their own buttons)
  const llamaSwap = useMemo(() => new Set((fleet?.hosts ?? []).filter((h) => h.kind === 'llama-swap').map((h) => h.id)), [fleet]);

  const loadedCount = all.filter((r) => r.state === 'ready').length;
  const distinct = new Set(all.map((r) => r.id)).size;
  const th = (key: SortKey, label: string, num = false) => (
    <th className={`${num ? 'num' : ''} sortable ${sort === key ? 'sorted' : ''}`} onClick={() => setSort(key)}>
      {label}
    </th>
  );

  return (
    <div className="models">
      <div className="toolbar">
        <input type="search" placeholder="filter models or hosts…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="filter" />
        <div className="range-tabs">
          {[1, 7, 30, 90].map((d) => (
            <button key={d} type="button" className={d === days ? 'active' : ''} onClick={() => setDays(d)}>
              {d} d
            </button>
          ))}
        </div>
        <span className="muted small">
          {distinct} models on {fleet?.hosts.length ?? 0} hosts · {loadedCount} ready · usage over the last {days} days
        </span>
        {error && <span className="error-text small">{error}</span>}
        <span style={{ marginLeft: 'auto' }} />
        <SwitchModelButton />
      </div>
      <div className="toolbar">
        <div className="range-tabs state-tabs" role="tablist" aria-label="state" data-testid="state-filter">
          {STATE_FILTERS.map((f) => (
            <button key={f.key} type="button" role="tab" aria-selected={f.key === stateFilter} className={f.key === stateFilter ? 'active' : ''} onClick={() => setStateFilter(f.key)} data-testid={`state-${f.key}`}>
              {f.label} <span className="tab-count">{all.filter((m) => inStateFilter(m, f.key)).length}</span>
            </button>
          ))}
        </div>
      </div>
      <div className="panel models-panel">
        <table className="table models-table" data-testid="models-table">
          <thead>
            <tr>
              {th('model', 'model')}
              {th('host', 'host')}
              {th('state', 'state')}
              {th('lastUsed', 'last used')}
              {th('requests', 'requests', true)}
              {th('gen', 'gen t/s (p50)', true)}
              {th('prompt', 'prompt t/s (p50)', true)}
              {th('load', 'load time (p50)', true)}
              <th className="num">ctx</th>
              <th>actions</th>
            </tr>
          </thead>
          <tbody>
            <AnimatePresence initial={false}>
              {rows.map((m) => (
                <motion.tr key={m.key} layout transition={{ duration: 0.25 }} className={`state-${m.state}`} data-testid="model-entry" data-key={m.key} data-state={m.state}>
                  <td title={m.id}>
                    <div>{m.name}</div>
                    {(m.name !== m.id || m.aliases.length > 0) && (
                      <div className="muted small mono">
                        {m.id}
                        {m.aliases.length > 0 && ` · ${m.aliases.join(', ')}`}
                      </div>
                    )}
                  </td>
                  <td className="nowrap">
                    <StatusDot status={m.hostStatus} /> <Link to={`/control/fleet/${m.hostId}`}>{m.hostLabel}</Link>
                  </td>
                  <td className="nowrap">
                    <motion.span className="model-state" key={m.state} initial={{ scale: 1.2 }} animate={{ scale: 1 }}>
                      {m.state}
                    </motion.span>
                    {m.since && m.state !== 'stopped' && <span className="muted small numeral"> {fmtDuration(now - Date.parse(m.since))}</span>}
                  </td>
                  <td className="muted">{fmtAgo(m.lastUsedAt, now)}</td>
                  <td className="num">
                    {fmtInt(m.requests)}
                    {m.errors > 0 && <span className="error-text small"> ({m.errors} err)</span>}
                  </td>
                  <td className="num numeral">{fmtTps(m.medianGenTps)}</td>
                  <td className="num numeral">{fmtTps(m.medianPromptTps)}</td>
                  <td className="num">{m.medianLoadMs !== null ? fmtDuration(m.medianLoadMs) : '—'}</td>
                  <td className="num muted">{m.contextLength ?? '—'}</td>
                  <td>
                    <ModelActions m={m} actionable={llamaSwap.has(m.hostId)} />
                  </td>
                </motion.tr>
              ))}
            </AnimatePresence>
          </tbody>
        </table>
        {rows.length === 0 && <div className="muted">{usage === null ? 'Loading…' : all.length > 0 ? `No ${stateFilter} models.` : 'No models.'}</div>}
      </div>
      <ConsumerUsage />
    </div>
  );
}
