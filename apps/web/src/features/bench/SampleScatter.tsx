import { useEffect, useMemo, useState } from 'react';
import type { BenchPoint, BenchSample } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { fmtTick, linearX, linearY } from './charts/chart-math';
import { fetchBenchSamples } from './bench.api';

type Metric = 'ttft' | 'tpot' | 'e2e';
const METRICS: Array<{ key: Metric; label: string }> = [
  { key: 'ttft', label: 'TTFT' },
  { key: 'tpot', label: 'TPOT' },
  { key: 'e2e', label: 'E2E' },
];

/** One request's value of a metric (ms), from its recorded timestamps; null when it has none. */
export function sampleValue(s: BenchSample, m: Metric): number | null {
  if (s.tFirstContent === null) return null;
  const last = s.tLastToken ?? s.tDone;
  if (m === 'ttft') return s.tFirstContent - s.tSent;
  if (last === null) return null;
  if (m === 'e2e') return last - s.tSent;
  // vLLM TPOT: the decode time after the first token over the tokens after it
  const n = s.outputTokens ?? s.clientTokens;
  return n > 1 ? (last - s.tFirstContent) / (n - 1) : null;
}

const W = 560;
const H = 250;
const M = { left: 52, right: 14, top: 14, bottom: 34 };

/**
 * Every stored request of one point: when it was sent (seconds into the point) against its
 * TTFT, TPOT or E2E. Measured requests are filled; warmup and cooldown ones are hollow (they are
 * not in the figures); failed requests are red ticks on the top edge.
 */
export function SampleScatter({ runId, points }: { runId: string; points: BenchPoint[] }) {
  const [idx, setIdx] = useState<number | null>(null);
  const [metric, setMetric] = useState<Metric>('ttft');
  const [samples, setSamples] = useState<BenchSample[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = idx ?? points.at(-1)?.index ?? null;

  useEffect(() => {
    if (current === null) return;
    const ac = new AbortController();
    setSamples(null);
    fetchBenchSamples(runId, current, ac.signal)
      .then((r) => {
        setSamples(r.samples);
        setError(null);
      })
      .catch((e: unknown) => !ac.signal.aborted && setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)));
    return () => ac.abort();
  }, [runId, current]);

  const dots = useMemo(() => (samples ?? []).map((s) => ({ s, t: s.tSent / 1000, v: sampleValue(s, metric), failed: s.errorKind !== null })), [samples, metric]);
  const ok = dots.filter((d) => !d.failed && d.v !== null);
  const x = linearX(Math.max(1, ...dots.map((d) => d.t)), M.left, W - M.right);
  const y = linearY(Math.max(1e-6, ...ok.map((d) => d.v!)), H - M.bottom, M.top);
  const point = points.find((p) => p.index === current);
  const measured = dots.filter((d) => d.s.rep !== null).length;
  const failed = dots.filter((d) => d.failed).length;

  return (
    <div className="panel bench-chart" data-testid="bench-chart" data-chart="scatter" data-samples={samples?.length ?? ''}>
      <h4>
        Per request <span className="muted">({metric === 'ttft' ? 'TTFT' : metric === 'tpot' ? 'TPOT' : 'E2E'}, ms)</span>
      </h4>
      <div className="bench-scatter-bar">
        <div className="range-tabs" role="tablist" aria-label="point">
          {points.map((p) => (
            <button key={p.index} type="button" className={p.index === current ? 'active' : ''} onClick={() => setIdx(p.index)} data-testid="bench-scatter-point">
              {p.level}
            </button>
          ))}
        </div>
        <div className="range-tabs" role="tablist" aria-label="metric">
          {METRICS.map((m) => (
            <button key={m.key} type="button" className={m.key === metric ? 'active' : ''} onClick={() => setMetric(m.key)}>
              {m.label}
            </button>
          ))}
        </div>
        {samples && (
          <span className="muted small">
            {samples.length} stored · {measured} measured · {failed} failed{point?.flags.contaminated ? ' · point contaminated' : ''}
          </span>
        )}
      </div>
      {error && <div className="error-text small">{error}</div>}
      <svg viewBox={`0 0 ${W} ${H}`} className="bench-svg" role="img" aria-label="per-request scatter">
        {y.ticks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" className="tick">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {x.ticks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={H - M.bottom + 16} textAnchor="middle" className="tick">
            {fmtTick(t)}
          </text>
        ))}
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} className="axis" />
        <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" className="axis-label">
          sent at (s into the point)
        </text>
        {dots.map(({ s, t, v, failed: bad }) =>
          bad ? (
            <line key={s.seq} x1={x(t)} x2={x(t)} y1={M.top} y2={M.top + 8} stroke="var(--bad)" strokeWidth={1.5}>
              <title>{`#${s.seq} ${s.errorKind}: ${s.error ?? ''}`}</title>
            </line>
          ) : v === null ? null : (
            <circle key={s.seq} cx={x(t)} cy={y(v)} r={2.4} fill={s.rep === null ? 'none' : 'var(--accent)'} stroke="var(--accent)" strokeWidth={1} opacity={s.rep === null ? 0.5 : 0.8} data-testid="bench-sample">
              <title>{`#${s.seq} user ${s.user}${s.rep === null ? ' (warmup/cooldown)' : ` rep ${s.rep}`}: ${v.toFixed(1)} ms, ${s.outputTokens ?? '?'} tokens`}</title>
            </circle>
          ),
        )}
        {samples === null && !error && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="tick">
            {current === null ? 'no finished point yet' : 'loading…'}
          </text>
        )}
      </svg>
    </div>
  );
}
