import type { BenchRun } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fmtDateTime } from '../fleet/ui/format';
import { SweepChart } from './charts/SweepChart';
import { compareCsvUrl } from './bench.api';
import { fmtLat, fmtRate } from './PointTable';
import { specLine } from './RunResults';
import { RUN_COLORS, compareCharts, majorFlags, runLabel, sloText } from './series';
import { useBenchCompare } from './use-bench';

/** Per level, each run's output tok/s and TTFT p99 side by side (blank where a run has no such level). */
function LevelTable({ runs }: { runs: BenchRun[] }) {
  const levels = [...new Set(runs.flatMap((r) => r.points.map((p) => p.level)))].sort((a, b) => a - b);
  return (
    <table className="table bench-compare-table" data-testid="bench-compare-levels">
      <thead>
        <tr>
          <th className="num">level</th>
          {runs.map((r, i) => (
            <th key={r.id} colSpan={3} style={{ color: RUN_COLORS[i % RUN_COLORS.length] }}>
              {runLabel(r, runs)}
            </th>
          ))}
        </tr>
        <tr>
          <th />
          {runs.map((r) => [
            <th key={`${r.id}t`} className="num">tok/s</th>,
            <th key={`${r.id}f`} className="num">TTFT p99</th>,
            <th key={`${r.id}s`}>SLO</th>,
          ])}
        </tr>
      </thead>
      <tbody>
        {levels.map((l) => (
          <tr key={l}>
            <td className="num numeral">{l}</td>
            {runs.map((r) => {
              const p = r.points.find((x) => x.level === l);
              const flags = p ? majorFlags(p) : [];
              return [
                <td key={`${r.id}t`} className="num">
                  {p ? fmtRate(p.outputTps.mean) : ''}
                  {flags.length > 0 && (
                    <span className="bench-flag-dot" title={flags.join(', ')} data-testid="bench-point-flag" data-flag={flags.join(',')}>
                      <Icon name="dot" />
                    </span>
                  )}
                </td>,
                <td key={`${r.id}f`} className="num">{p ? fmtLat(p.ttftMs.p99) : ''}</td>,
                <td key={`${r.id}s`}>{p ? <span className={`bench-verdict ${p.slo.met ? 'met' : 'missed'}`}>{p.slo.met ? 'met' : 'missed'}</span> : ''}</td>,
              ];
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Two or more runs overlaid: the same model on two hosts, two quants, before and after a
 * config change. One colour per run on every chart, then what each run was and its verdicts.
 */
export function CompareView({ ids, onOpen }: { ids: string[]; onOpen: (id: string) => void }) {
  const { runs, error } = useBenchCompare(ids);
  if (error) return <div className="panel error-text" data-testid="bench-compare-error">{error}</div>;
  if (!runs) return <div className="panel muted">Loading runs…</div>;
  return (
    <section className="bench-results" data-testid="bench-compare" data-runs={runs.length}>
      <header className="bench-results-head">
        <h2>Comparing {runs.length} runs</h2>
        <span className="bench-links">
          <a href={compareCsvUrl(ids)} download data-testid="bench-compare-csv">CSV</a>
        </span>
      </header>
      <div className="panel">
        <table className="table" data-testid="bench-compare-runs">
          <thead>
            <tr>
              <th />
              <th>run</th>
              <th>status</th>
              <th>what was measured</th>
              <th className="num">capacity</th>
              <th className="num">knee</th>
              <th className="num">peak tok/s</th>
              <th>SLOs</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.id} className="bench-run-row" onClick={() => onOpen(r.id)} data-testid="bench-compare-run">
                <td>
                  <i className="bench-swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
                </td>
                <td>
                  {runLabel(r, runs)}
                  <div className="muted small">{fmtDateTime(r.createdAt)}</div>
                </td>
                <td>
                  <span className={`bench-status status-${r.status}`}>{r.status}</span>
                </td>
                <td className="small muted">{specLine(r)}</td>
                <td className="num">{r.summary?.capacity.maxLevel ?? '—'}</td>
                <td className="num">{r.summary?.knee.status === 'ok' ? r.summary.knee.saturationLevel : '—'}</td>
                <td className="num">{fmtRate(r.summary?.peakOutputTps)}</td>
                <td className="small">{r.spec.slos.map(sloText).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="bench-charts">
        {compareCharts(runs).map((c) => (
          <SweepChart key={c.id} {...c} />
        ))}
      </div>
      <div className="panel">
        <h4>By level</h4>
        <LevelTable runs={runs} />
      </div>
    </section>
  );
}
