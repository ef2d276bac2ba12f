import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConfigDiff, ConfigValidation, HostConfig, Job } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { DiffView } from './DiffView';
import { hostConfigApi } from './host-config.api';
import { JobProgress } from './JobProgress';
import { YamlEditor, type YamlEditorHandle } from './YamlEditor';

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The config editor: load the host's file, edit, inline validation as you type (debounced),
 * diff against the host's current file, apply with a confirmation, then live job progress.
 */
export function ConfigEditorPanel({ hostId, reloadKey, onApplied }: { hostId: string; reloadKey: number; onApplied?: () => void }) {
  const [base, setBase] = useState<HostConfig | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [validation, setValidation] = useState<ConfigValidation | null>(null);
  const [diff, setDiff] = useState<ConfigDiff | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const editor = useRef<YamlEditorHandle>(null);

  const load = useCallback(() => {
    setLoadError(null);
    hostConfigApi.read(hostId).then(
      (c) => {
        setBase(c);
        setDraft(c.text);
        setDiff(null);
        setConfirming(false);
      },
      (e: unknown) => setLoadError(messageOf(e)),
    );
  }, [hostId]);
  useEffect(load, [load, reloadKey]);

  // Validate as the user types, 300 ms after the last keystroke; stale answers are dropped.
  useEffect(() => {
    if (!base) return;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      hostConfigApi.validate(hostId, draft, ctl.signal).then(setValidation, () => undefined);
    }, 300);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [hostId, draft, base]);

  if (loadError) {
    return (
      <section className="hc-panel">
        <h3>config.yaml</h3>
        <p className="hc-error" data-testid="config-load-error">{loadError}</p>
        <button type="button" className="hc-btn ghost" onClick={load}>Retry</button>
      </section>
    );
  }
  if (!base) return <section className="hc-panel"><p className="muted">Reading the config over SSH…</p></section>;

  const dirty = draft !== base.text;
  const errors = validation?.errors ?? [];
  const warnings = validation?.warnings ?? [];
  const running = job !== null && busy;

  const showDiff = async () => {
    setActionError(null);
    try {
      setDiff(await hostConfigApi.diff(hostId, draft));
    } catch (e) {
      setActionError(messageOf(e));
    }
  };
  const apply = async () => {
    setActionError(null);
    setBusy(true);
    try {
      const { job: j } = await hostConfigApi.apply(hostId, draft, base.sha256);
      setJob(j);
      setConfirming(false);
    } catch (e) {
      setBusy(false);
      setActionError(e instanceof ApiError && e.code === 'CONFLICT' ? 'The file on the host changed since you loaded it. Reload it (your edit will be replaced) and apply again.' : messageOf(e));
    }
  };

  return (
    <section className="hc-panel" data-testid="config-panel">
      <header className="hc-panel-head">
        <h3>config.yaml</h3>
        <span className="mono small muted">{base.path || '(wrapper-managed path)'}</span>
        <span className="mono small muted" title={base.sha256}>sha256 {base.sha256.slice(0, 12)}…</span>
        <button type="button" className="hc-btn ghost" onClick={load} disabled={running}>Reload</button>
      </header>
      <YamlEditor ref={editor} value={draft} onChange={(v) => { setDraft(v); setDiff(null); setConfirming(false); }} issues={[...errors, ...warnings]} readOnly={running} />
      <div className="hc-issues" data-testid="config-issues">
        {validation && errors.length === 0 && warnings.length === 0 && <span className="hc-ok">Valid llama-swap config ({validation.modelIds.length} models).</span>}
        {[...errors, ...warnings].map((i, n) => (
          <button type="button" key={n} className={`hc-issue ${i.severity}`} onClick={() => i.line && editor.current?.goToLine(i.line)} data-testid={`issue-${i.severity}`}>
            <span className="hc-issue-where">{i.line ? `line ${i.line}` : 'file'}</span>
            {i.path && <span className="mono">{i.path}</span>}
            <span>{i.message}</span>
          </button>
        ))}
      </div>
      <div className="hc-actions">
        <button type="button" className="hc-btn ghost" disabled={!dirty || running} onClick={() => void showDiff()} data-testid="config-show-diff">Show diff</button>
        <button type="button" className="hc-btn" disabled={!dirty || errors.length > 0 || running} onClick={() => { void showDiff(); setConfirming(true); }} data-testid="config-apply">
          Apply…
        </button>
        {dirty && <span className="small muted">unsaved changes</span>}
        {actionError && <span className="hc-error" data-testid="config-action-error">{actionError}</span>}
      </div>
      {diff && <DiffView diff={diff.diff} />}
      {confirming && (
        <div className="hc-confirm" role="alertdialog" aria-label="Confirm apply" data-testid="config-confirm">
          <p>
            Apply to <strong>{hostId}</strong>: {diff ? `+${diff.added} −${diff.removed} lines` : 'computing the diff…'}. The current file is backed up, llama-swap is restarted, and the
            change is rolled back automatically if the host does not come back healthy.
            {warnings.length > 0 && ` ${warnings.length} warning(s).`}
          </p>
          <button type="button" className="hc-btn danger" disabled={busy} onClick={() => void apply()} data-testid="config-confirm-apply">Apply and restart</button>
          <button type="button" className="hc-btn ghost" onClick={() => setConfirming(false)}>Cancel</button>
        </div>
      )}
      {job && (
        <JobProgress
          key={job.id}
          job={job}
          title="Apply config"
          onFinished={(j) => {
            setBusy(false);
            if (j.status === 'succeeded' || j.detail.rolledBack === true) {
              load();
              onApplied?.();
            }
          }}
        />
      )}
    </section>
  );
}
