import type { Job } from '@boocontrol/contracts';
import { cancelJob } from '../../api/jobs';
import { Icon } from '../../components/Icon';
import { useJob } from '../../live/use-job';
import { fmtElapsed, stripAnsi, useTicker } from './job-ui';

/** The stages a job type goes through (control's StageReporter and the unload executor). */
const LOAD_PIPELINE = ['queued', 'stopping', 'starting', 'loading', 'ready'] as const;
const UNLOAD_PIPELINE = ['queued', 'stopping', 'stopped'] as const;
const TITLE: Record<string, string> = { switch: 'Switching', warm: 'Warming', unload: 'Unloading' };
const LABEL: Record<string, string> = { queued: 'Queued', stopping: 'Stopping', starting: 'Starting', loading: 'Loading', ready: 'Ready', stopped: 'Stopped', done: 'Done', running: 'Running', failed: 'Failed', cancelled: 'Cancelled' };

function tail(text: string, lines: number): string {
  const all = stripAnsi(text).replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
  return all.slice(-lines).join('\n');
}

/**
 * One action as it happens: the switch pipeline (queued → stopping → starting → loading → ready)
 * with the current stage lit, the loading log tail, and the elapsed time; failure in red with
 * the host's reason.
 */
export function SwitchProgress({ job, onClose }: { job: Job; onClose(): void }) {
  const w = useJob(job);
  const now = useTicker(!w?.finished);
  if (!w) return null;
  const unload = w.job.jobType === 'unload';
  const stage = String(w.detail.stage ?? (w.status === 'queued' ? 'queued' : unload ? 'stopping' : 'starting'));
  const failedAt = typeof w.detail.failedAt === 'string' ? w.detail.failedAt : null;
  const current = stage === 'failed' || stage === 'cancelled' ? (failedAt ?? 'queued') : stage;
  const pipeline: readonly string[] = unload ? UNLOAD_PIPELINE : LOAD_PIPELINE;
  const idx = pipeline.indexOf(current);
  const started = Date.parse(w.job.startedAt ?? w.job.createdAt);
  const elapsed = w.finished && typeof w.detail.elapsedMs === 'number' ? w.detail.elapsedMs : now - started;
  const target = String(w.job.params.model ?? w.job.params.label ?? w.job.params.action ?? w.job.jobType);
  // Stages the action went through (llama-swap switches record them); others were skipped,
  // e.g. no eviction was needed, so "stopping" never happened.
  const stageAt = w.detail.stageAt as Record<string, number> | undefined;
  const visited = new Set(['queued', ...Object.keys(stageAt ?? {})]);
  const bad = stage === 'failed' || w.status === 'failed' || w.status === 'interrupted';

  return (
    <aside className={`ax-progress ${bad ? 'bad' : ''}`} data-testid="switch-progress" data-job={w.job.id} data-job-type={w.job.jobType} data-status={w.status}>
      <header>
        <span className="ax-progress-title">
          {TITLE[w.job.jobType] ?? 'Running'} <strong>{w.job.hostId}</strong> → <strong>{target}</strong>
        </span>
        <span className="numeral ax-elapsed" data-testid="switch-elapsed">
          {fmtElapsed(elapsed)}
        </span>
        <button type="button" className="ax-x" onClick={onClose} aria-label="close">
          <Icon name="close" />
        </button>
      </header>
      <ol className="ax-stages" data-testid="switch-stage" data-stage={stage}>
        {pipeline.map((s, i) => {
          const past = i < idx || (w.status === 'succeeded' && i === pipeline.length - 1);
          const cls = bad && s === current ? 'failed' : past ? (!stageAt || visited.has(s) ? 'done' : 'skipped') : i === idx ? 'active' : 'pending';
          return (
            <li key={s} className={cls}>
              {LABEL[s]}
            </li>
          );
        })}
      </ol>
      {w.detail.alreadyReady === true && <p className="ax-note">Already ready: nothing to load.</p>}
      {bad && <p className="ax-error">{w.error?.message ?? (w.status === 'interrupted' ? 'control restarted during the action' : 'failed')}</p>}
      {w.status === 'cancelled' && <p className="ax-note">{w.error?.message ?? 'cancelled'}</p>}
      {w.output && <pre className="ax-log">{tail(w.output, 8)}</pre>}
      {!w.finished && (
        <div className="ax-row">
          <button type="button" className="ax-btn ghost" onClick={() => void cancelJob(w.job.id).catch(() => undefined)}>
            Cancel
          </button>
        </div>
      )}
    </aside>
  );
}
