import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import { useFleet } from '../../live/context';
import { fmtInt } from '../fleet/ui/format';
import { renderAnsi, stripAnsi } from './ansi';
import { useLogStore } from './use-log-store';
import { Icon } from '../../components/Icon';
import './logs.css';

/** A single enormous line (llama-swap logs can carry MiB-long ones) is shown cut, not laid out whole. */
const MAX_LINE = 8000;
const clip = (line: string) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} … [${fmtInt(line.length - MAX_LINE)} more characters]` : line);

interface Frozen {
  count: number;
  dropped: number;
}

/**
 * Live logs per host and source (proxy, upstream, or one model), ANSI colours, follow and
 * pause, search with highlight; up to 100,000 lines, rendered virtually.
 */
export function LogsView() {
  const fleet = useFleet();
  const [params, setParams] = useSearchParams();
  const hosts = fleet?.hosts ?? [];
  const hostId = params.get('host') ?? hosts[0]?.id ?? '';
  const source = params.get('source') ?? 'proxy';
  const host = hosts.find((h) => h.id === hostId);
  const topic = hostId ? `logs:${hostId}:${source}` : null;
  const { store, version } = useLogStore(topic);
  const [frozen, setFrozen] = useState<Frozen | null>(null);
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<number[]>([]);
  const [current, setCurrent] = useState(-1);
  const [wrap, setWrap] = useState(false);
  const list = useRef<VirtuosoHandle>(null);
  const following = frozen === null;

  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    if (k === 'host') next.set('source', 'proxy');
    setParams(next, { replace: true });
  };

  useEffect(() => {
    setFrozen(null);
    setMatches([]);
    setCurrent(-1);
  }, [topic]);

  const pause = useCallback(() => setFrozen((f) => f ?? { count: store.count, dropped: store.dropped }), [store]);
  const resume = () => {
    setFrozen(null);
    requestAnimationFrame(() => list.current?.scrollToIndex({ index: 'LAST', behavior: 'auto' }));
  };

  const count = frozen ? frozen.count : store.count;
  // while paused, lines dropped from the front shift indices: map view index → store index
  const shift = frozen ? store.dropped - frozen.dropped : 0;
  const lineAt = (i: number) => (i - shift < 0 ? '… (dropped: older than the newest 100,000 lines)' : store.line(i - shift));

  // search: recomputed when the query changes, and as lines arrive (throttled)
  const lastSearch = useRef(0);
  useEffect(() => {
    const q = query.trim().toLowerCase();
    if (!q) {
      setMatches([]);
      setCurrent(-1);
      return;
    }
    const run = () => {
      lastSearch.current = Date.now();
      const hits: number[] = [];
      for (let i = 0; i < count; i++) if (stripAnsi(lineAt(i)).toLowerCase().includes(q)) hits.push(i);
      setMatches(hits);
    };
    const wait = Math.max(0, 400 - (Date.now() - lastSearch.current));
    const t = setTimeout(run, wait);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, following ? version : frozen]);

  const jump = (dir: 1 | -1) => {
    if (matches.length === 0) return;
    const next = current === -1 ? (dir === 1 ? 0 : matches.length - 1) : (current + dir + matches.length) % matches.length;
    setCurrent(next);
    pause();
    list.current?.scrollToIndex({ index: matches[next]!, align: 'center' });
  };

  const sources = useMemo(() => ['proxy', 'upstream', ...(host?.models ?? []).map((m) => `model:${m.id}`)], [host]);
  const currentLine = current >= 0 ? matches[current] : undefined;

  return (
    <div className="logs" data-testid="logs-view">
      <div className="toolbar">
        <select value={hostId} onChange={(e) => set('host', e.target.value)} aria-label="host" data-testid="logs-host">
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.label}
            </option>
          ))}
        </select>
        <div className="range-tabs" role="tablist" aria-label="source">
          {sources.slice(0, 2).map((s) => (
            <button key={s} type="button" className={s === source ? 'active' : ''} onClick={() => set('source', s)} data-testid={`source-${s}`}>
              {s}
            </button>
          ))}
        </div>
        {sources.length > 2 && (
          <select value={source.startsWith('model:') ? source : ''} onChange={(e) => e.target.value && set('source', e.target.value)} aria-label="model log">
            <option value="">model log…</option>
            {sources.slice(2).map((s) => (
              <option key={s} value={s}>
                {s.slice('model:'.length)}
              </option>
            ))}
          </select>
        )}
        <input
          type="search"
          placeholder="search…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && jump(e.shiftKey ? -1 : 1)}
          aria-label="search the log"
          data-testid="logs-search"
        />
        {query && (
          <span className="muted small numeral" data-testid="logs-hits">
            {current >= 0 ? `${current + 1}/` : ''}
            {matches.length} hits
          </span>
        )}
        <button type="button" onClick={() => jump(-1)} disabled={!matches.length} aria-label="previous hit">
          <Icon name="up" />
        </button>
        <button type="button" onClick={() => jump(1)} disabled={!matches.length} aria-label="next hit">
          <Icon name="down" />
        </button>
        <label className="small muted">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> wrap
        </label>
        <span style={{ marginLeft: 'auto' }} className="muted small numeral">
          {fmtInt(store.count)} lines
        </span>
        {following ? (
          <button type="button" onClick={pause} data-testid="logs-pause">
            <Icon name="pause" /> pause
          </button>
        ) : (
          <button type="button" className="primary" onClick={resume} data-testid="logs-follow">
            <Icon name="play" /> follow{store.count - (frozen?.count ?? 0) + shift > 0 ? ` (+${fmtInt(store.count - frozen!.count + shift)})` : ''}
          </button>
        )}
      </div>
      <div className={`log-pane ${wrap ? 'wrap' : ''}`} data-testid="log-pane" data-following={following} onWheel={(e) => e.deltaY < 0 && following && pause()}>
        {count === 0 ? (
          <div className="muted empty-log">{hostId ? 'Waiting for log output…' : 'No hosts.'}</div>
        ) : (
          <Virtuoso
            ref={list}
            totalCount={count}
            followOutput={following ? 'auto' : false}
            initialTopMostItemIndex={Math.max(0, count - 1)}
            increaseViewportBy={600}
            itemContent={(i) => (
              <div className={`log-line ${i === currentLine ? 'current' : ''}`} data-testid="log-line">
                {renderAnsi(clip(lineAt(i)), query.trim())}
              </div>
            )}
          />
        )}
      </div>
    </div>
  );
}
