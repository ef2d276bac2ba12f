import { Fragment, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { EvalCompare, EvalItemResult, EvalRunDetail } from '@boocontrol/contracts';
import { useEvalsLive } from '../../live/context';
import { Icon } from '../../components/Icon';
import { CiBar } from './CiBar';
import { cancelRun, fetchCompare, fetchRun } from './evals.api';
import { ciText, lineDiff, pct } from './format';
import './evals.css';

/** A summary figure as a person reads it: rates as %, times in ms, counts as they are. */
function figure(key: string, v: number | boolean): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (/Ms$/.test(key)) return `${Math.round(v)} ms`;
  if (/Rate$|^pass@|Consistency$|^agreement$/.test(key)) return pct(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function ItemDetail({ item }: { item: EvalItemResult }) {
  const diff = item.reference ? lineDiff(item.reference, item.answer) : null;
  const testOutput = typeof item.detail.testOutput === 'string' ? item.detail.testOutput : item.samples[0]?.output;
  return (
    <div className="eval-item-detail" data-testid="eval-item-detail">
      <h4>Prompt</h4>
      <pre className="mono">{item.prompt}</pre>
      <h4>Answer</h4>
      <pre className="mono" data-testid="eval-item-answer">{item.answer || '(empty)'}</pre>
      {diff && (
        <>
          <h4>Against the reference</h4>
          <pre className="mono eval-diff" data-testid="eval-item-diff">
            {diff.map((d, i) => (
              <div key={i} className={`diff-${d.op}`}>
                {d.op === 'add' ? '+ ' : d.op === 'del' ? '- ' : '  '}
                {d.text}
              </div>
            ))}
          </pre>
        </>
      )}
      {testOutput && (
        <>
          <h4>Test output</h4>
          <pre className="mono">{testOutput}</pre>
        </>
      )}
      {item.rationale && (
        <>
          <h4>Judge rationale</h4>
          <pre className="mono">{item.rationale}</pre>
        </>
      )}
      {item.samples.length > 1 && (
        <div className="small muted">
          samples: {item.samples.map((s) => s.status).join(', ')}
        </div>
      )}
    </div>
  );
}

/** One run: its score with the CI, where it came from (exact host, model, build, sampling, suite hash), and every item. */
export function EvalRunView() {
  const { runId = '' } = useParams();
  const live = useEvalsLive()?.[runId];
  const [run, setRun] = useState<EvalRunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    void fetchRun(runId, ac.signal).then(setRun, (e: unknown) => !ac.signal.aborted && setError(String(e)));
    return () => ac.abort();
  }, [runId, live?.done, live?.status]);
  if (error) return <div className="error-text">{error}</div>;
  if (!run) return <div className="muted">Loading…</div>;
  const p = run.provenance;
  return (
    <div className="evals">
      <div className="panel" data-testid="eval-run">
        <div className="toolbar">
          <Link to="/control/evals">
            <Icon name="left" /> Evals
          </Link>
          <h3>
            {run.suite} · <span className="mono">{run.model}</span> @ {run.hostId}
          </h3>
          <span data-testid="eval-run-status">{run.status}</span>
          <span className="numeral">
            {run.itemsDone}/{run.itemsTotal}
          </span>
          {(run.status === 'running' || run.status === 'queued') && (
            <button type="button" className="ax-btn" onClick={() => void cancelRun(run.id).then(() => fetchRun(run.id).then(setRun))}>
              Cancel
            </button>
          )}
        </div>
        {run.summary && (
          <div className="eval-summary" data-testid="eval-summary">
            <span className="numeral eval-score">{pct(run.summary.score)}</span> <span className="muted">{run.summary.metric}</span> <CiBar score={run.summary.score} ci={run.summary.ci} width={200} />{' '}
            <span className="small">95 % CI {ciText(run.summary.ci)} ({run.summary.ci.method}), n = {run.summary.n}</span>
            <div className="small muted mono">
              {Object.entries(run.summary.figures)
                .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean')
                .map(([k, v]) => `${k} ${figure(k, v as number | boolean)}`)
                .join(' · ')}
            </div>
          </div>
        )}
        {run.error && <div className="error-text small">{`${run.error.code}: ${run.error.message}`}</div>}
        {p && (
          <div className="small muted mono" data-testid="eval-provenance">
            suite v{p.suiteVersion} {p.suiteHash.slice(0, 19)} · build {p.build ?? '—'} · cmd {p.cmd ?? '—'} · T {p.sampling.temperature} · n {p.sampling.samples}
            {p.sampling.greedy ? ' (greedy)' : ''} · max {p.sampling.maxTokens} tokens{p.judge ? ` · judge ${p.judge.model}@${p.judge.host}` : ''}
          </div>
        )}
      </div>
      <div className="panel">
        <table className="table" data-testid="eval-items">
          <thead>
            <tr>
              <th>item</th>
              <th className="num">score</th>
              <th>verdict</th>
              <th className="num">latency</th>
            </tr>
          </thead>
          <tbody>
            {run.items.map((it) => (
              <Fragment key={it.itemId}>
                <tr className={`eval-item ${it.passed === false ? 'failed' : ''}`} onClick={() => setOpen(open === it.itemId ? null : it.itemId)} data-testid="eval-item" data-item={it.itemId}>
                  <td className="mono">{it.itemId}</td>
                  <td className="num numeral">{it.score === null ? '—' : pct(it.score, 0)}</td>
                  <td className="small">{it.verdict ?? '—'}</td>
                  <td className="num small">{it.samples[0] ? `${Math.round(it.samples[0].latencyMs)} ms` : '—'}</td>
                </tr>
                {open === it.itemId && (
                  <tr>
                    <td colSpan={4}>
                      <ItemDetail item={it} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Two runs of one suite item by item, and whether the difference is real (paired test). */
export function EvalCompareView() {
  const [params] = useSearchParams();
  const [c, setC] = useState<EvalCompare | null>(null);
  const [error, setError] = useState<string | null>(null);
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  useEffect(() => {
    void fetchCompare(a, b).then(setC, (e: unknown) => setError(String(e)));
  }, [a, b]);
  if (error) return <div className="error-text">{error}</div>;
  if (!c) return <div className="muted">Loading…</div>;
  const d = c.difference;
  return (
    <div className="evals">
      <div className="panel" data-testid="eval-compare-view">
        <Link to="/control/evals">
          <Icon name="left" /> Evals
        </Link>
        <h3>
          {c.a.suite}: {c.a.model}@{c.a.hostId} vs {c.b.model}@{c.b.hostId}
        </h3>
        <div data-testid="eval-difference">
          B − A = <span className="numeral">{pct(d.mean)}</span> (95 % CI {ciText(d.ci)}), p = {d.pValue.toFixed(3)} over {d.n} paired items:{' '}
          <strong className={d.real ? 'good-text' : 'muted'}>{d.real ? 'the difference is real' : 'not distinguishable from noise'}</strong>
        </div>
      </div>
      <div className="panel">
        <table className="table">
          <tbody>
            {c.items.map((x) => (
              <tr key={x.itemId} className={`change-${x.change}`}>
                <td className="mono">{x.itemId}</td>
                <td className="num">{x.a === null ? '—' : pct(x.a, 0)}</td>
                <td className="num">{x.b === null ? '—' : pct(x.b, 0)}</td>
                <td>{x.change}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
