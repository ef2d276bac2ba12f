import type { ActivityStats } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fmtInt, fmtMs, fmtTps } from '../fleet/ui/format';
import { TTFT_DEFINITION } from './ActivityCells';

type Group = ActivityStats['groups'][number];

function ModelStat({ g }: { g: Group }) {
  const ttft = g.ttftMs;
  const title = [
    `${g.model} on ${g.hostId}: ${fmtInt(g.count)} requests`,
    ttft ? `time to first token p50 ${fmtMs(ttft.p50)}, p95 ${fmtMs(ttft.p95)}` : 'time to first token unknown: no request of this model reported llama-server timings',
    `generation p50 ${fmtTps(g.genTps?.p50)}, p95 ${fmtTps(g.genTps?.p95)} t/s`,
    g.cacheHits > 0 ? `${fmtInt(g.cacheHits)} cache hits, ${fmtInt(g.cacheTokens)} prompt tokens reused` : null,
    '',
    TTFT_DEFINITION,
  ]
    .filter((l) => l !== null)
    .join('\n');
  return (
    <div className="stat model-stat" title={title} data-testid="model-stat" data-model={g.model} data-host={g.hostId}>
      <span className="stat-value numeral small-value" data-testid="model-ttft">
        {ttft ? fmtMs(ttft.p50) : '—'}
        <span className="muted"> / {ttft ? fmtMs(ttft.p95) : '—'}</span>
      </span>
      <span className="stat-label">{g.model} ttft p50/p95</span>
      <span className="stat-sub numeral">
        gen {fmtTps(g.genTps?.p50)} / {fmtTps(g.genTps?.p95)} t/s
        {g.cacheHits > 0 && (
          <span className="cache-hit">
            {' '}
            · <Icon name="bolt" /> {fmtInt(g.cacheHits)}
          </span>
        )}
      </span>
    </div>
  );
}

/** Totals over the view's filters, then the busiest models with their TTFT and generation p50/p95. */
export function StatsStrip({ stats }: { stats: ActivityStats | null }) {
  if (!stats) return null;
  const total = stats.groups.reduce((n, g) => n + g.count, 0);
  const errors = stats.groups.reduce((n, g) => n + g.errors, 0);
  const out = stats.groups.reduce((n, g) => n + g.outputTokens, 0);
  const hits = stats.groups.reduce((n, g) => n + g.cacheHits, 0);
  // the busiest models that have a TTFT first: an embeddings model has none to show
  const top = [...stats.groups].sort((a, b) => Number(b.ttftMs !== null) - Number(a.ttftMs !== null) || b.count - a.count).slice(0, 4);
  return (
    <div className="fleet-summary activity-stats" data-testid="activity-stats">
      <div className="stat">
        <span className="stat-value numeral">{fmtInt(total)}</span>
        <span className="stat-label">requests</span>
      </div>
      <div className={`stat ${errors ? 'bad' : ''}`}>
        <span className="stat-value numeral">{fmtInt(errors)}</span>
        <span className="stat-label">errors</span>
      </div>
      <div className="stat">
        <span className="stat-value numeral">{fmtInt(out)}</span>
        <span className="stat-label">tokens out</span>
      </div>
      <div className={`stat ${hits ? 'cache-hit' : ''}`} title="Requests that reused prompt tokens from the KV cache (llama-server cache_n > 0)" data-testid="cache-hits">
        <span className="stat-value numeral">{fmtInt(hits)}</span>
        <span className="stat-label">cache hits{total > 0 && hits > 0 ? ` · ${Math.round((hits / total) * 100)}%` : ''}</span>
      </div>
      {top.map((g) => (
        <ModelStat key={`${g.hostId}/${g.model}`} g={g} />
      ))}
    </div>
  );
}
