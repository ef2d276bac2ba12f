import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { TableVirtuoso, type TableComponents } from 'react-virtuoso';
import type { ActivityRowLive, ActivityStats } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { useActivityLive, useFleet } from '../../live/context';
import { fetchActivity, fetchStats } from './activity.api';
import { ActivityCells, COLUMNS } from './ActivityCells';
import { CaptureDrawer } from './CaptureDrawer';
import { StatsStrip } from './StatsStrip';
import { fromOf, matches, RANGES, readFilters, type ViewFilters } from './filters';
import './activity.css';

interface RowContext {
  fresh: Set<string>;
  openId: string | null;
  onOpen(r: ActivityRowLive): void;
}

/** Stable row component (Virtuoso remounts rows if this identity changes); state comes via context. */
const TABLE_COMPONENTS: TableComponents<ActivityRowLive, RowContext> = {
  TableRow: ({ item, context, ...props }) => (
    <tr
      {...props}
      className={`${context?.fresh.has(item.id) ? 'fresh' : ''} ${item.status >= 400 ? 'failed' : ''} ${context?.openId === item.id ? 'selected' : ''}`}
      onClick={() => context?.onOpen(item)}
      data-testid="activity-row"
      data-model={item.model}
      data-host={item.hostId}
    />
  ),
};

/**
 * Every request across the fleet: history from the API (filters, sort, cursor paging as you
 * scroll) plus rows arriving live on the `activity` topic when the view shows newest first.
 */
export function ActivityView() {
  const [params, setParams] = useSearchParams();
  const f = useMemo(() => readFilters(params), [params]);
  const fleet = useFleet();
  const live = useActivityLive();
  const [rows, setRows] = useState<ActivityRowLive[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stats, setStats] = useState<ActivityStats | null>(null);
  const [open, setOpen] = useState<ActivityRowLive | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [qDraft, setQDraft] = useState(f.q);
  const known = useRef(new Set<string>());
  const generation = useRef(0);

  const set = (patch: Partial<ViewFilters>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === '' || v === undefined) next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next, { replace: true });
  };

  const query = useMemo(
    () => ({ host: f.host || undefined, model: f.model || undefined, status: f.status || undefined, q: f.q || undefined, consumer: f.consumer || undefined, session: f.session || undefined, from: fromOf(f.range), sort: f.sort, order: f.order }),
    [f],
  );

  // first page whenever the filters change
  useEffect(() => {
    const ac = new AbortController();
    const gen = ++generation.current;
    setLoading(true);
    setError(null);
    fetchActivity(query, null, ac.signal)
      .then((p) => {
        if (gen !== generation.current) return;
        known.current = new Set(p.rows.map((r) => r.id));
        setRows(p.rows);
        setCursor(p.nextCursor);
      })
      .catch((e: unknown) => !ac.signal.aborted && setError(e instanceof Error ? e.message : String(e)))
      .finally(() => gen === generation.current && setLoading(false));
    const loadStats = () =>
      fetchStats({ host: query.host, model: query.model, from: query.from }, ac.signal)
        .then(setStats)
        .catch(() => undefined);
    void loadStats();
    const t = setInterval(loadStats, 10_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [query]);

  const loadMore = useCallback(() => {
    if (!cursor || loading) return;
    const gen = generation.current;
    setLoading(true);
    fetchActivity(query, cursor)
      .then((p) => {
        if (gen !== generation.current) return;
        const add = p.rows.filter((r) => !known.current.has(r.id));
        for (const r of add) known.current.add(r.id);
        setRows((prev) => [...prev, ...add]);
        setCursor(p.nextCursor);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setLoading(false));
  }, [cursor, loading, query]);

  // live rows: only meaningful when the newest come first
  const liveMode = f.sort === 'ts' && f.order === 'desc';
  useEffect(() => {
    if (!live || !liveMode) return;
    const add = live.filter((r) => !known.current.has(r.id) && matches(r, f));
    if (add.length === 0) return;
    for (const r of add) known.current.add(r.id);
    const sorted = [...add].sort((a, b) => b.ts.localeCompare(a.ts) || Number(b.id) - Number(a.id));
    setRows((prev) => [...sorted, ...prev].slice(0, 50_000));
    const ids = new Set(sorted.map((r) => r.id));
    setFresh(ids);
    const t = setTimeout(() => setFresh(new Set()), 1500);
    return () => clearTimeout(t);
  }, [live, liveMode, f]);

  useEffect(() => {
    const t = setTimeout(() => qDraft !== f.q && set({ q: qDraft }), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qDraft]);

  const rowContext = useMemo<RowContext>(() => ({ fresh, openId: open?.id ?? null, onOpen: setOpen }), [fresh, open]);
  const models = useMemo(() => [...new Set((fleet?.hosts ?? []).flatMap((h) => h.models.map((m) => m.id)))].sort(), [fleet]);
  const sortBy = (s: ViewFilters['sort']) => set(f.sort === s ? { order: f.order === 'desc' ? 'asc' : 'desc' } : { sort: s, order: 'desc' });

  return (
    <div className="activity">
      <div className="toolbar" data-testid="activity-filters">
        <select value={f.host} onChange={(e) => set({ host: e.target.value })} aria-label="host">
          <option value="">all hosts</option>
          {(fleet?.hosts ?? []).map((h) => (
            <option key={h.id} value={h.id}>
              {h.label}
            </option>
          ))}
        </select>
        <select value={f.model} onChange={(e) => set({ model: e.target.value })} aria-label="model">
          <option value="">all models</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <select value={f.status} onChange={(e) => set({ status: e.target.value as ViewFilters['status'] })} aria-label="status">
          <option value="">any status</option>
          <option value="ok">ok (2xx)</option>
          <option value="error">errors</option>
        </select>
        <div className="range-tabs">
          {RANGES.map((r) => (
            <button key={r.key} type="button" className={f.range === r.key ? 'active' : ''} onClick={() => set({ range: r.key })}>
              {r.label}
            </button>
          ))}
        </div>
        <input
          type="search"
          placeholder="consumer"
          defaultValue={f.consumer}
          key={`c-${f.consumer}`}
          onBlur={(e) => e.target.value !== f.consumer && set({ consumer: e.target.value.trim() })}
          onKeyDown={(e) => e.key === 'Enter' && set({ consumer: e.currentTarget.value.trim() })}
          aria-label="consumer"
          title="gateway consumer (key owner or X-Boo-Source); comma-separated"
          data-testid="activity-consumer"
          className="narrow"
        />
        <input
          type="search"
          placeholder="session"
          defaultValue={f.session}
          key={`s-${f.session}`}
          onBlur={(e) => e.target.value !== f.session && set({ session: e.target.value.trim() })}
          onKeyDown={(e) => e.key === 'Enter' && set({ session: e.currentTarget.value.trim() })}
          aria-label="session"
          title="X-Boo-Session of gateway requests"
          data-testid="activity-session"
          className="narrow"
        />
        <input type="search" placeholder="search model, path, error…" value={qDraft} onChange={(e) => setQDraft(e.target.value)} aria-label="search" data-testid="activity-search" />
        <span className="live-badge" data-live={liveMode}>
          {liveMode && !f.consumer && !f.session ? (
            <>
              <Icon name="dot" /> live
            </>
          ) : (
            'paused (sorted)'
          )}
        </span>
        {loading && <span className="muted small">loading…</span>}
        {error && <span className="error-text small">{error}</span>}
      </div>
      <StatsStrip stats={stats} />
      <div className="activity-table" data-testid="activity-table">
        <TableVirtuoso<ActivityRowLive, RowContext>
          data={rows}
          endReached={loadMore}
          increaseViewportBy={400}
          computeItemKey={(_, r) => r.id}
          fixedHeaderContent={() => (
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.key} className={`${c.num ? 'num' : ''} ${c.sort ? 'sortable' : ''} ${c.sort === f.sort ? 'sorted' : ''}`} title={c.title} onClick={c.sort ? () => sortBy(c.sort!) : undefined}>
                  {c.label}
                  {c.sort === f.sort && <Icon name={f.order === 'desc' ? 'sortDown' : 'sortUp'} className="sort-mark" />}
                </th>
              ))}
            </tr>
          )}
          itemContent={(_, r) => <ActivityCells r={r} />}
          context={rowContext}
          components={TABLE_COMPONENTS}
        />
        {rows.length === 0 && !loading && <div className="empty muted">No requests match.</div>}
      </div>
      {open && <CaptureDrawer row={open} onClose={() => setOpen(null)} />}
    </div>
  );
}
