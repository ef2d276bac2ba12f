import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { EvalRun, EvalScoreboard, EvalSuiteSummary } from '@boocontrol/contracts';
import { useEvalsLive, useFleet } from '../../live/context';
import { ApiError } from '../../api/client';
import { CiBar } from './CiBar';
import { fetchRuns, fetchScoreboard, fetchSuites, startRun } from './evals.api';
import { ciText, pct } from './format';
import './evals.css';

/**
 * Quality evals: the suites and their sizes, a launcher, runs in progress (live), the scoreboard
 * per suite with 95 % CIs ("separable" only where intervals do not overlap, with the judge's
 * calibration next to judged scores), and recent runs to open or compare.
 */
export function EvalsView() {
  const fleet = useFleet();
  const live = useEvalsLive();
  const navigate = useNavigate();
  const [suites, setSuites] = useState<EvalSuiteSummary[]>([]);
  const [board, setBoard] = useState<EvalScoreboard | null>(null);
  const [runs, setRuns] = useState<EvalRun[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [suite, setSuite] = useState('');
  const [host, setHost] = useState('');
  const [model, setModel] = useState('');
  const [samples, setSamples] = useState(1);
  const [picked, setPicked] = useState<string[]>([]);

  const reload = useCallback(() => {
    void Promise.all([fetchScoreboard(), fetchRuns()]).then(([b, r]) => {
      setBoard(b);
      setRuns(r.runs);
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  useEffect(() => {
    void fetchSuites().then((r) => {
      setSuites(r.suites);
      setSuite((s) => s || r.suites[0]?.name || '');
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    reload();
    const t = setInterval(reload, 10_000);
    return () => clearInterval(t);
  }, [reload]);

  const active = useMemo(() => Object.values(live ?? {}).sort((a, b) => b.at.localeCompare(a.at)), [live]);
  // a run that just finished refreshes the scoreboard without waiting for the next poll
  const finishedKey = active.filter((r) => r.status !== 'running').map((r) => r.runId).join(',');
  useEffect(() => reload(), [finishedKey, reload]);

  const hosts = fleet?.hosts ?? [];
  const models = (hosts.find((h) => h.id === host)?.models ?? []).filter((m) => !/embed/i.test(m.id));
  useEffect(() => {
    if (!host && hosts[0]) setHost(hosts[0].id);
  }, [host, hosts]);
  useEffect(() => {
    if (models.length && !models.some((m) => m.id === model)) setModel(models[0]!.id);
  }, [models, model]);

  const launch = async () => {
    setError(null);
    try {
      const r = await startRun({ suite, host, model, samples });
      reload();
      navigate(`/control/evals/runs/${r.runId}`);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };

  const rowsBySuite = useMemo(() => {
    const m = new Map<string, EvalScoreboard['rows']>();
    for (const r of board?.rows ?? []) m.set(r.suite, [...(m.get(r.suite) ?? []), r]);
    return m;
  }, [board]);
  const separableFrom = (runId: string) => (board?.separable ?? []).filter((p) => p.includes(runId)).map((p) => (p[0] === runId ? p[1] : p[0]));
  const label = (runId: string) => board?.rows.find((r) => r.runId === runId)?.model ?? runId.slice(0, 8);
  const togglePick = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  return (
    <div className="evals">
      <div className="panel evals-launch" data-testid="eval-launch">
        <h3>Run an eval</h3>
        <div className="toolbar">
          <select aria-label="suite" value={suite} onChange={(e) => setSuite(e.target.value)} data-testid="eval-suite">
            {suites.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.kind}, {s.items} items, v{s.version})
              </option>
            ))}
          </select>
          <select aria-label="host" value={host} onChange={(e) => setHost(e.target.value)} data-testid="eval-host">
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.label}
              </option>
            ))}
          </select>
          <select aria-label="model" value={model} onChange={(e) => setModel(e.target.value)} data-testid="eval-model">
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name || m.id}
              </option>
            ))}
          </select>
          <label className="small muted">
            samples <input type="number" min={1} max={20} value={samples} onChange={(e) => setSamples(Math.max(1, Number(e.target.value) || 1))} style={{ width: 56 }} />
          </label>
          <button type="button" className="ax-btn" disabled={!suite || !host || !model} onClick={() => void launch()} data-testid="eval-start">
            Run
          </button>
          <span className="muted small">{samples === 1 ? 'greedy (n = 1)' : `n = ${samples}, sampled`}</span>
          {error && <span className="error-text small" data-testid="eval-error">{error}</span>}
        </div>
      </div>

      {active.length > 0 && (
        <div className="panel" data-testid="eval-live">
          <h3>In progress</h3>
          {active.map((r) => (
            <div key={r.runId} className="eval-live-row" data-testid="eval-live-row" data-status={r.status}>
              <Link to={`/control/evals/runs/${r.runId}`}>{r.suite}</Link> <span className="mono">{r.model}</span> <span className="muted">@{r.hostId}</span>
              <progress max={Math.max(1, r.of)} value={r.done} />
              <span className="numeral small">
                {r.done}/{r.of}
              </span>
              <span className="small">{r.status === 'running' ? r.phase : r.status}</span>
              {r.score !== null && <span className="numeral small">{pct(r.score)}</span>}
            </div>
          ))}
        </div>
      )}

      <div className="panel" data-testid="eval-scoreboard">
        <h3>Scoreboard</h3>
        {(board?.rows.length ?? 0) === 0 && <div className="muted">No finished runs yet.</div>}
        {[...rowsBySuite.entries()].map(([name, rows]) => (
          <div key={name} className="eval-suite-board">
            <div className="eval-suite-name">
              {name} <span className="muted small">{rows[0]?.metric}</span>
            </div>
            <table className="table">
              <thead>
                <tr>
                  <th>model</th>
                  <th>host</th>
                  <th>config</th>
                  <th className="num">score</th>
                  <th>95 % CI</th>
                  <th className="num">n</th>
                  <th>judge</th>
                  <th>separable from</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.runId} data-testid="score-row" data-run={r.runId}>
                    <td>
                      <Link to={`/control/evals/runs/${r.runId}`}>{r.model}</Link>
                    </td>
                    <td>{r.hostId}</td>
                    <td className="mono muted" title="suite hash, server cmd and build, sampling and judge">
                      {r.configKey}
                      {r.greedy ? ' · greedy' : ''}
                    </td>
                    <td className="num numeral">{pct(r.score)}</td>
                    <td>
                      <CiBar score={r.score} ci={r.ci} /> <span className="small muted" data-testid="ci-text">{ciText(r.ci)}</span>
                    </td>
                    <td className="num">{r.n}</td>
                    <td className="small">{r.judge ? <span className={r.judge.positionConsistency >= 0.8 ? 'good-text' : 'warn-text'}>{`${r.judge.model}: ${pct(r.judge.positionConsistency, 0)} consistent`}</span> : <span className="muted">—</span>}</td>
                    <td className="small">{separableFrom(r.runId).map(label).join(', ') || <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </div>

      <div className="panel" data-testid="eval-runs">
        <div className="toolbar">
          <h3>Recent runs</h3>
          <button type="button" className="ax-btn" disabled={picked.length !== 2} onClick={() => navigate(`/control/evals/compare?a=${picked[0]}&b=${picked[1]}`)} data-testid="eval-compare">
            Compare two
          </button>
        </div>
        <table className="table">
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="eval-run-row">
                <td>
                  <input type="checkbox" aria-label={`pick ${r.id}`} checked={picked.includes(r.id)} onChange={() => togglePick(r.id)} />
                </td>
                <td>
                  <Link to={`/control/evals/runs/${r.id}`}>{r.suite}</Link>
                </td>
                <td className="mono">{r.model}</td>
                <td>{r.hostId}</td>
                <td>{r.status}</td>
                <td className="num">
                  {r.itemsDone}/{r.itemsTotal}
                </td>
                <td className="num numeral">{r.summary ? pct(r.summary.score) : '—'}</td>
                <td className="muted small">{new Date(r.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
