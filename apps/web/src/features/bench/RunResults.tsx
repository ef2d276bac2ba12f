import type { BenchRun } from '@boocontrol/contracts';
import { fmtDateTime, fmtDuration } from '../fleet/ui/format';
import { SweepChart } from './charts/SweepChart';
import { benchCsvUrl, benchJsonUrl } from './bench.api';
import { CancelRunButton } from './LiveRuns';
import { PointTable, fmtRate } from './PointTable';
import { SampleScatter } from './SampleScatter';
import { levelName, runCharts, sloText } from './series';
import { useBenchRun } from './use-bench';

const ACTIVE = new Set(['queued', 'running']);

/** What was asked for, in one line: sweep, workload, windows, repetitions. */
export function specLine(run: BenchRun): string {
  const d = run.spec.driver;
  const levels = d.kind === 'rate' ? `rates ${d.rates.join(', ')} req/s (burstiness ${d.burstiness})` : `concurrency ${d.levels.join(', ')}`;
  const w = run.spec.workload;
  const work = w.kind === 'synthetic' ? `${w.inputTokens} in / ${w.outputTokens} out tokens${w.cold ? ', cold prompts' : ''}` : `${w.kind} workload`;
  const win = run.spec.window;
  return `${levels} · ${work} · warmup ${win.warmupS} s, measure ${win.measureS} s, cooldown ${win.cooldownS} s · ${run.spec.repetitions} rep${run.spec.repetitions === 1 ? '' : 's'}`;
}

function Summary({ run }: { run: BenchRun }) {
  const s = run.summary;
  const c = s?.capacity;
  const unit = levelName(run);
  const withUnit = (v: number) => (unit === 'rate' ? `${v} req/s` : `${v} ${v === 1 ? 'user' : 'users'}`);
  const capacity = c?.maxLevel != null ? withUnit(c.maxLevel) : s ? 'none met' : '—';
  const capNote = c?.interpolatedLevel != null ? `~${c.interpolatedLevel.toFixed(1)} interpolated` : c?.firstFailingLevel != null ? `${unit === 'rate' ? 'rate' : 'level'} ${c.firstFailingLevel} fails` : '';
  const knee = s?.knee.status === 'ok' && s.knee.saturationLevel != null ? withUnit(s.knee.saturationLevel) : '—';
  const contaminated = run.points.filter((p) => p.flags.contaminated).length;
  return (
    <div className="fleet-summary bench-summary" data-testid="bench-summary">
      <div className={`stat ${c && c.maxLevel == null && s ? 'bad' : ''}`} title="the highest level where it and every lower level met every SLO">
        <span className="stat-value numeral" data-testid="bench-capacity">{capacity}</span>
        <span className="stat-label">SLO capacity {capNote && <span className="muted">({capNote})</span>}</span>
      </div>
      <div className="stat" title={s?.knee.reason ?? ''}>
        <span className="stat-value numeral">{knee}</span>
        <span className="stat-label">throughput knee</span>
      </div>
      <div className="stat">
        <span className="stat-value numeral">{fmtRate(s?.peakOutputTps)}</span>
        <span className="stat-label">peak output tok/s</span>
      </div>
      <div className="stat">
        <span className="stat-value numeral">{run.points.length}</span>
        <span className="stat-label">points</span>
      </div>
      <div className={`stat ${contaminated ? 'warn' : ''}`}>
        <span className="stat-value numeral">{contaminated}</span>
        <span className="stat-label">contaminated</span>
      </div>
      <div className="stat">
        <span className="stat-value small-value">{run.spec.slos.map(sloText).join(', ') || 'none'}</span>
        <span className="stat-label">SLOs</span>
      </div>
    </div>
  );
}

/** One run: what it measured, the SLO capacity and knee, the charts, the per-request scatter, every point. */
export function RunResults({ id }: { id: string }) {
  const { run, error, frame } = useBenchRun(id);
  if (error) return <div className="panel error-text" data-testid="bench-results-error">{error}</div>;
  if (!run) return <div className="panel muted">Loading run…</div>;
  const status = frame?.status ?? run.status;
  const took = run.startedAt && run.finishedAt ? fmtDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : null;
  return (
    <section className="bench-results" data-testid="bench-results" data-run={run.id} data-status={status} data-points={run.points.length}>
      <header className="bench-results-head">
        <h2>
          {run.model} <span className="muted">on</span> {run.hostId}
        </h2>
        <span className={`bench-status status-${status}`} data-testid="bench-run-status">{status}</span>
        <span className="muted small">
          {fmtDateTime(run.createdAt)}
          {took && ` · took ${took}`}
        </span>
        <span className="bench-links">
          {ACTIVE.has(status) && <CancelRunButton runId={run.id} />}
          <a href={benchCsvUrl(run.id)} download data-testid="bench-csv">CSV</a>
          <a href={benchJsonUrl(run.id)} target="_blank" rel="noreferrer">JSON</a>
        </span>
      </header>
      <div className="muted small" data-testid="bench-spec">{specLine(run)}</div>
      {run.error && (
        <div className="bench-error" data-testid="bench-run-error">
          {run.error.code}: {run.error.message}
        </div>
      )}
      <Summary run={run} />
      <div className="bench-charts">
        {runCharts(run).map((c) => (
          <SweepChart key={c.id} {...c} />
        ))}
        <SampleScatter runId={run.id} points={run.points} />
      </div>
      <PointTable run={run} />
    </section>
  );
}
