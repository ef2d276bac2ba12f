import { useCallback, useEffect, useState } from 'react';
import type { ConfigBackup, Job } from '@boocontrol/contracts';
import { hostConfigApi } from './host-config.api';
import { JobProgress } from './JobProgress';

/** The host's config backups, newest first, each restorable (as a job, with confirmation). */
export function BackupList({ hostId, reloadKey, onRestored }: { hostId: string; reloadKey: number; onRestored?: () => void }) {
  const [backups, setBackups] = useState<ConfigBackup[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [restoring, setRestoring] = useState(false);

  const load = useCallback(() => {
    hostConfigApi.backups(hostId).then(
      (r) => {
        setBackups(r.backups);
        setError(null);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [hostId]);
  useEffect(load, [load, reloadKey]);

  return (
    <section className="hc-panel" data-testid="backup-list">
      <header className="hc-panel-head">
        <h3>Backups</h3>
        <button type="button" className="hc-btn ghost" onClick={load}>Refresh</button>
      </header>
      {error && <p className="hc-error">{error}</p>}
      {backups && backups.length === 0 && <p className="muted small">No backups yet: every apply makes one.</p>}
      <ul className="hc-backups">
        {backups?.map((b) => (
          <li key={b.path} data-testid="backup-row" data-name={b.name}>
            <span className="mono">{b.name}</span>
            <span className="small muted">{b.createdAt ? new Date(b.createdAt).toLocaleString() : ''}</span>
            {confirm === b.name ? (
              <>
                <button
                  type="button"
                  className="hc-btn danger"
                  onClick={() => {
                    setConfirm(null);
                    setRestoring(true);
                    hostConfigApi.restore(hostId, b.name).then(
                      (r) => setJob(r.job),
                      (e: unknown) => {
                        setRestoring(false);
                        setError(e instanceof Error ? e.message : String(e));
                      },
                    );
                  }}
                >
                  Restore and restart
                </button>
                <button type="button" className="hc-btn ghost" onClick={() => setConfirm(null)}>Cancel</button>
              </>
            ) : (
              <button type="button" className="hc-btn ghost" onClick={() => setConfirm(b.name)} disabled={restoring}>Restore…</button>
            )}
          </li>
        ))}
      </ul>
      {job && (
        <JobProgress
          key={job.id}
          job={job}
          title={`Restore ${String(job.params.backup ?? '')}`}
          onFinished={() => {
            setRestoring(false);
            // the parent's reload (a new reloadKey) reloads this list too; only reload it here alone
            if (onRestored) onRestored();
            else load();
          }}
        />
      )}
    </section>
  );
}
