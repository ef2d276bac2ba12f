import { useEffect, useRef, useState } from 'react';
import type { Job } from '@boocontrol/contracts';
import { cancelJob } from '../../api/jobs';
import { useJob } from '../../live/use-job';

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
  const live = useJob(job, onFinished);
  const [cancelling, setCancelling] = useState(false);
  const tailRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const el = tailRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [live?.output]);

  if (!live) return null;
  const { detail, status, error, output, finished } = live;
  const percent = typeof detail.percent === 'number' ? detail.percent : null;
  const stage = typeof detail.stage === 'string' ? detail.stage : '';
  const rolledBack = detail.rolledBack === true;

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
              cancelJob(job.id).catch(() => setCancelling(false));
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
