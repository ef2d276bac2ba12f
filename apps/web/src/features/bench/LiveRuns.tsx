import { useEffect, useState } from 'react';
import type { BenchLiveFrame, Job } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fetchJob } from '../../api/jobs';
import { useJobs } from '../../live/context';
import { useJob } from '../../live/use-job';
import { cancelBench } from './bench.api';
import { fmtLat, fmtRate } from './PointTable';
import { errText, useBenchLive } from './use-bench';

/** A run this page started: shown from the moment the POST answers, before its first frame. */
export interface Launched {
  runId: string;
  job: Job;
}

const PHASE_LABEL: Record<BenchLiveFrame['phase'], string> = {
  'ready-check': 'ready check',
  warmup: 'warming up',
  measure: 'measuring',
  cooldown: 'cooling down',
  drain: 'draining',
  done: 'done',
};
/** Where inside a point each phase sits, for the progress bar (a point is mostly measuring). */
const PHASE_AT: Record<BenchLiveFrame['phase'], number> = { 'ready-check': 0, warmup: 0.05, measure: 0.15, cooldown: 0.85, drain: 0.92, done: 1 };
const ACTIVE = new Set(['queued', 'running']);

export function CancelRunButton({ runId }: { runId: string }) {
  const [state, setState] = useState<'idle' | 'busy' | string>('idle');
  return (
    <>
      <button
        type="button"
        className="hc-btn ghost bench-cancel"
        data-testid="bench-cancel"
        disabled={state === 'busy'}
        onClick={() => {
          setState('busy');
          cancelBench(runId).then(
            () => setState('idle'),
            (e: unknown) => setState(errText(e)),
          );
        }}
      >
        <Icon name="close" /> {state === 'busy' ? 'Cancelling…' : 'Cancel run'}
      </button>
      {state !== 'idle' && state !== 'busy' && <span className="error-text small">{state}</span>}
    </>
  );
}

/** The run's job (from the launch, else fetched once) as the jobs topic moves it. */
function useRunJob(jobId: string | null, initial: Job | undefined) {
  const [job, setJob] = useState<Job | null>(initial ?? null);
  useEffect(() => {
    if (job || !jobId) return;
    let live = true;
    fetchJob(jobId).then((j) => live && setJob(j), () => undefined);
    return () => {
      live = false;
    };
  }, [job, jobId]);
  return useJob(job);
}

function LiveRunCard({ runId, frame, launched, onDismiss }: { runId: string; frame: BenchLiveFrame | undefined; launched: Job | undefined; onDismiss?: () => void }) {
  const jobId = frame?.jobId ?? launched?.id ?? null;
  const watched = useRunJob(jobId, launched);
  const jobs = useJobs();
  // the bench warms its model first as a child job on the same lane: show that stage too
  const warm = jobId ? Object.values(jobs?.frames ?? {}).filter((f) => f.parentId === jobId).at(-1) : undefined;
  const status = frame?.status ?? watched?.status ?? 'queued';
  const of = frame?.of ?? 0;
  const index = frame?.index ?? null;
  const warming = warm && !['succeeded', 'failed', 'cancelled', 'interrupted'].includes(warm.status);
  const phase = !frame ? 'queued on the host lane' : warming ? `warming the model${typeof warm.detail.stage === 'string' ? ` (${warm.detail.stage})` : ''}` : PHASE_LABEL[frame.phase];
  const fraction = of > 0 && index !== null ? Math.min(1, (index + PHASE_AT[frame!.phase]) / of) : 0;
  const error = watched?.finished ? watched.error : null;
  const asked = launched?.params.spec as { model?: string } | undefined;
  // a run that ended well needs no card (its results are in the view); a failed one stays until dismissed
  const done = status === 'succeeded';
  useEffect(() => {
    if (done) onDismiss?.();
  }, [done, onDismiss]);
  if (done) return null;
  return (
    <article className={`bench-live status-${status}`} data-testid="bench-live" data-run={runId} data-status={status} data-phase={frame?.phase ?? 'queued'}>
      <header>
        <strong>{frame?.model ?? asked?.model ?? runId}</strong>
        <span className="muted">on {frame?.hostId ?? launched?.hostId}</span>
        <span className={`bench-status status-${status}`}>{status}</span>
        {ACTIVE.has(status) ? <CancelRunButton runId={runId} /> : onDismiss && (
          <button type="button" className="ax-x" aria-label="dismiss" onClick={onDismiss}>
            <Icon name="close" />
          </button>
        )}
      </header>
      <div className="bench-live-line">
        <span data-testid="bench-live-point">{index !== null ? `point ${index + 1} of ${of}` : of ? `${of} points` : 'starting'}</span>
        {frame?.level != null && <span className="muted"> · level {frame.level}</span>}
        <span className="muted"> · </span>
        <span data-testid="bench-live-phase">{phase}</span>
      </div>
      <div className="hc-progress" role="progressbar" aria-valuenow={Math.round(fraction * 100)} aria-valuemin={0} aria-valuemax={100}>
        <span className="hc-progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      {frame && (
        <div className="bench-live-figures small">
          <span title="requests finished in this point">
            <b>{frame.requests.done}</b> done
          </span>
          <span className={frame.requests.errors ? 'error-text' : ''}>
            <b>{frame.requests.errors}</b> errors
          </span>
          <span className={frame.requests.shed ? 'warn-text' : ''}>
            <b>{frame.requests.shed}</b> shed
          </span>
          <span>
            <b>{frame.requests.inflight}</b> in flight
          </span>
          {frame.lastPoint && (
            <span className="bench-live-last" data-testid="bench-live-last">
              last point ({frame.lastPoint.level}): TTFT p50 <b>{fmtLat(frame.lastPoint.ttftP50Ms)}</b> · <b>{fmtRate(frame.lastPoint.outputTps)}</b> tok/s
            </span>
          )}
        </div>
      )}
      {error && (
        <div className="bench-error" data-testid="bench-live-error">
          {error.code}: {error.message}
        </div>
      )}
    </article>
  );
}

/**
 * Live progress of every bench that is running (from the `bench` topic, whoever started it) and
 * of the runs this page started (from the moment they were accepted, so a run queued behind a
 * switch on its host shows up at once, and one that failed says why until dismissed).
 */
export function LiveRuns({ launched, onDismiss }: { launched: Launched[]; onDismiss: (runId: string) => void }) {
  const live = useBenchLive();
  const frames = Object.values(live ?? {});
  const ids = new Set([...frames.filter((f) => ACTIVE.has(f.status)).map((f) => f.runId), ...launched.map((l) => l.runId)]);
  if (ids.size === 0) return null;
  return (
    <div className="panel bench-live-list" data-testid="bench-live-list">
      <h4>Running</h4>
      {[...ids].map((id) => (
        <LiveRunCard key={id} runId={id} frame={live?.[id]} launched={launched.find((l) => l.runId === id)?.job} onDismiss={() => onDismiss(id)} />
      ))}
    </div>
  );
}
