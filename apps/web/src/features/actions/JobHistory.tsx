import { useEffect, useMemo, useState } from 'react';
import type { Job } from '@boocontrol/contracts';
import { useFleet, useJobs } from '../../live/context';
import { fetchJob } from '../../api/jobs';
import { fetchJobs } from './actions.api';
import { HostActionsPanel } from './HostActionsPanel';
import { fmtElapsed, stripAnsi } from './job-ui';
import { Icon } from '../../components/Icon';

const what = (j: Job) => String(j.params.model ?? j.params.label ?? j.params.action ?? j.params.requestId ?? '');

function duration(j: Job): string {
  if (!j.startedAt) return '-';
  const end = j.finishedAt ? Date.parse(j.finishedAt) : Date.now();
  return fmtElapsed(end - Date.parse(j.startedAt));
}

/** Recent jobs of one host, newest first, each with its output on demand. Refreshes as frames arrive. */
export function JobHistory({ initialHost, onClose }: { initialHost: string | null; onClose(): void }) {
  const fleet = useFleet();
  const jobsTopic = useJobs();
  const hosts = useMemo(() => (fleet?.hosts ?? []).map((h) => h.id), [fleet]);
  const [host, setHost] = useState<string | null>(initialHost);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Job | null>(null);
  const [mode, setMode] = useState<'jobs' | 'actions'>('jobs');
  const current = host ?? hosts[0] ?? null;
  // A frame for this host → refetch (debounced): history stays current while an action runs.
  const stamp = useMemo(() => Object.values(jobsTopic?.frames ?? {}).filter((f) => f.hostId === current).map((f) => `${f.jobId}:${f.status}:${String(f.detail.stage ?? '')}`).join('|'), [jobsTopic, current]);

  useEffect(() => {
    if (!current) return;
    let live = true;
    const t = setTimeout(() => {
      fetchJobs(current)
        .then((r) => live && (setJobs(r.jobs), setError(null)))
        .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [current, stamp]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const expand = (j: Job) => {
    if (open?.id === j.id) return setOpen(null);
    setOpen(j);
    void fetchJob(j.id).then(setOpen).catch(() => undefined);
  };

  return (
    <aside className="ax-drawer" data-testid="job-history" aria-label="job history">
      <header>
        <h2>{mode === 'jobs' ? 'Jobs' : 'Actions'}</h2>
        <div className="ax-tabs">
          {hosts.map((h) => (
            <button key={h} type="button" className={`ax-tab ${h === current ? 'active' : ''}`} onClick={() => (setHost(h), setOpen(null))}>
              {h}
            </button>
          ))}
        </div>
        <button type="button" className="ax-tab ax-mode" onClick={() => setMode(mode === 'jobs' ? 'actions' : 'jobs')} data-testid="toggle-actions">
          {mode === 'jobs' ? 'Actions' : 'Jobs'}
        </button>
        <button type="button" className="ax-x" onClick={onClose} aria-label="close">
          <Icon name="close" />
        </button>
      </header>
      {mode === 'actions' && current && <HostActionsPanel host={current} />}
      {mode === 'jobs' && error && <p className="ax-error">{error}</p>}
      {mode === 'jobs' && !jobs && !error && <p className="muted">Loading…</p>}
      {mode === 'jobs' && jobs?.length === 0 && <p className="muted">No jobs on {current} yet.</p>}
      <ul className="ax-jobs" hidden={mode !== 'jobs'}>
        {jobs?.map((j) => (
          <li key={j.id} className={`ax-job status-${j.status}`} data-testid="job-row" data-status={j.status}>
            <button type="button" onClick={() => expand(j)}>
              <span className="ax-job-type">{j.jobType}</span>
              <span className="ax-job-what">{what(j)}</span>
              <span className="ax-job-status">{j.status}</span>
              <span className="muted small">{new Date(j.createdAt).toLocaleTimeString()}</span>
              <span className="numeral small">{duration(j)}</span>
            </button>
            {open?.id === j.id && (
              <div className="ax-job-detail">
                {open.error && <p className="ax-error">{open.error.code}: {open.error.message}</p>}
                {typeof open.detail.exitCode === 'number' && <p className="small">exit code {open.detail.exitCode}</p>}
                <pre className="ax-log" data-testid="job-output">{stripAnsi(open.outputTail) || '(no output)'}</pre>
              </div>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
