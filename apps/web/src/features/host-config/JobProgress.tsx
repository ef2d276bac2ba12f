import { useEffect, useRef, useState } from 'react';
import { JobSchema, type Job } from '@boocontrol/contracts';
import { api } from '../../api/client';
import { hostConfigApi } from './host-config.api';
import { useLiveJob } from './use-live-job';

const STAGE_LABEL: Record<string, string> = {
  'read-backup': 'reading backup',
  read: 'reading config',
  diff: 'comparing',
  backup: 'backing up',
  write: 'writing',
  restart: 'restarting llama-swap',
  health: 'waiting for health',
  rollback: 'ROLLING BACK',
  prune: 'pruning old backups',
  downloading: 'downloading',
  done: 'done',
};

/** Live progress of one job: status, stage, percent bar, log tail, cancel, final error. */
export function JobProgress({ job, title, onFinished }: { job: Job; title: string; onFinished?: (job: Job) => void }) {
  const live = useLiveJob(job);
  const [final, setFinal] = useState<Job | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const tailRef = useRef<HTMLPreElement>(null);
  const finished = live?.finished ?? false;

  // The frame says it finished; the job record carries the error message and full detail.
  useEffect(() => {
    if (!finished) return;
    let stop = false;
    api(`/jobs/${encodeURIComponent(job.id)}`, JobSchema)
      .then((j) => {
        if (stop) return;
        setFinal(j);
        onFinished?.(j);
      })
      .catch(() => undefined);
    return () => {
      stop = true;
    };
    // onFinished is a callback prop; the job id and finished flag decide when to fetch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finished, job.id]);

  useEffect(() => {
    const el = tailRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [live?.output]);

  if (!live) return null;
  const detail = final?.detail ?? live.detail;
  const status = final?.status ?? live.status;
  const percent = typeof detail.percent === 'number' ? detail.percent : null;
  const stage = typeof detail.stage === 'string' ? detail.stage : '';
  const rolledBack = detail.rolledBack === true;
  const error = final?.error ?? live.error;
  const output = final?.outputTail || live.output;

  return (
    <section className={`hc-job status-${status}${rolledBack ? ' rolled-back' : ''}`} data-testid="job-progress" data-status={status} data-job={job.id}>
      <header className="hc-job-head">
        <strong>{title}</strong>
        <span className="hc-badge" data-testid="job-status">
          {rolledBack && status === 'failed' ? 'rolled back' : status}
        </span>
        {stage && !finished && (
          <span className="muted" data-testid="job-stage" data-stage={stage}>
            {STAGE_LABEL[stage] ?? stage}
          </span>
        )}
        {!finished && (
          <button
            type="button"
            className="hc-btn ghost"
            disabled={cancelling}
            onClick={() => {
              setCancelling(true);
              hostConfigApi.cancelJob(job.id).catch(() => setCancelling(false));
            }}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </header>
      {percent !== null && (
        <div className="hc-progress" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} data-testid="job-percent" data-percent={percent}>
          <span className="hc-progress-fill" style={{ width: `${percent}%` }} />
          <span className="hc-progress-label numeral">{percent.toFixed(percent % 1 ? 1 : 0)}%</span>
        </div>
      )}
      {typeof detail.line === 'string' && detail.line && !finished && <div className="mono hc-latest">{detail.line}</div>}
      {typeof detail.backup === 'string' && <div className="small muted">backup: <span className="mono">{detail.backup}</span></div>}
      {error && (
        <p className={rolledBack ? 'hc-warn' : 'hc-error'} data-testid="job-error">
          {error.code}: {error.message}
        </p>
      )}
      {output && (
        <pre className="hc-tail mono" ref={tailRef} data-testid="job-output">
          {output}
        </pre>
      )}
    </section>
  );
}
