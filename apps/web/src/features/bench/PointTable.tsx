import type { BenchRun } from '@boocontrol/contracts';
import { FLAG_HELP, levelName, pointFlags } from './series';

export const fmtLat = (ms: number | null | undefined) => (ms == null || !Number.isFinite(ms) ? '—' : ms < 100 ? `${ms.toFixed(1)} ms` : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
export const fmtRate = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '—' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));

/** Every point of a run with the figures people compare, its SLO verdict and its flags. */
export function PointTable({ run }: { run: BenchRun }) {
  const seen = new Set(run.points.flatMap(pointFlags));
  return (
    <div className="panel">
      <h4>Points</h4>
      <table className="table bench-points" data-testid="bench-points">
        <thead>
          <tr>
            <th className="num">{levelName(run)}</th>
            <th className="num">ok / err / shed</th>
            <th className="num">TTFT p50</th>
            <th className="num">TTFT p99</th>
            <th className="num">TPOT p50</th>
            <th className="num">TPOT p99</th>
            <th className="num">ITL p99</th>
            <th className="num">E2E p50</th>
            <th className="num">out tok/s</th>
            <th className="num">total tok/s</th>
            <th className="num">goodput</th>
            <th>SLO</th>
            <th>flags</th>
          </tr>
        </thead>
        <tbody>
          {run.points.map((p) => (
            <tr key={p.index} data-testid="bench-point-row" data-level={p.level} data-slo={p.slo.met ? 'met' : 'missed'}>
              <td className="num numeral">{p.level}</td>
              <td className="num">
                {p.requests.succeeded} / <span className={p.requests.errors ? 'error-text' : ''}>{p.requests.errors}</span> / <span className={p.requests.shed ? 'warn-text' : ''}>{p.requests.shed}</span>
              </td>
              <td className="num">{fmtLat(p.ttftMs.p50)}</td>
              <td className="num">{fmtLat(p.ttftMs.p99)}</td>
              <td className="num">{fmtLat(p.tpotMs.p50)}</td>
              <td className="num">{fmtLat(p.tpotMs.p99)}</td>
              <td className="num">{fmtLat(p.itlMs.p99)}</td>
              <td className="num">{fmtLat(p.e2eMs.p50)}</td>
              <td className="num">
                {fmtRate(p.outputTps.mean)}
                {p.outputTps.std !== null && <span className="muted small"> ± {fmtRate(p.outputTps.std)}</span>}
              </td>
              <td className="num">{fmtRate(p.totalTps.mean)}</td>
              <td className="num" title="requests per second that met every SLO, and their share">
                {p.goodput.rps.toFixed(2)}/s <span className="muted small">{Math.round(p.goodput.fraction * 100)}%</span>
              </td>
              <td>
                <span className={`bench-verdict ${p.slo.met ? 'met' : 'missed'}`} title={p.slo.results.map((r) => `p${r.percentile} ${r.metric}: ${fmtLat(r.valueMs)} vs ${r.maxMs} ms ${r.met ? 'ok' : 'MISSED'}`).join('\n')}>
                  {p.slo.met ? 'met' : 'missed'}
                </span>
              </td>
              <td>
                {pointFlags(p).map((f) => (
                  <span key={f} className={`bench-flag flag-${f.replace(/\s/g, '-')}`} data-testid="bench-point-flag" data-flag={f} title={`${FLAG_HELP[f] ?? f}${f === 'contaminated' && p.foreignRequests ? ` (${p.foreignRequests} foreign requests)` : ''}`}>
                    {f}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.points.length === 0 && <div className="muted small">No finished point yet.</div>}
      {seen.size > 0 && (
        <ul className="bench-flag-help muted small">
          {[...seen].map((f) => (
            <li key={f}>
              <span className={`bench-flag flag-${f.replace(/\s/g, '-')}`}>{f}</span> {FLAG_HELP[f]}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
