import { useEffect, useState } from 'react';
import type { Alert } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { useAlerts } from '../../live/context';
import { fmtAgo } from '../fleet/ui/format';
import { useNow } from '../fleet/ui/use-now';
import { fetchAlertHistory } from './reports.api';

function AlertRow({ a, now }: { a: Alert; now: number }) {
  return (
    <li className={`alert-row sev-${a.severity} alert-${a.state}`} data-testid="alert-row" data-rule={a.rule} data-state={a.state} data-host={a.hostId ?? ''}>
      <Icon name={a.silenced ? 'mute' : 'bell'} className="alert-icon" title={a.silenced ? 'silenced' : a.severity} />
      <span className="alert-sev">{a.severity}</span>
      <span className="alert-summary">{a.summary}</span>
      <span className="muted small alert-when">{a.state === 'firing' ? `since ${fmtAgo(a.startedAt, now)}` : `resolved ${fmtAgo(a.resolvedAt, now)}`}</span>
    </li>
  );
}

/**
 * Firing alerts live (the `alerts` topic) and the recent history (REST, refreshed when the live
 * list changes, so a resolution shows up in the history at once).
 */
export function AlertsPanel() {
  const firing = useAlerts();
  const now = useNow(5000);
  const [history, setHistory] = useState<Alert[]>([]);
  const [showHistory, setShowHistory] = useState(false);
  const firingKey = (firing ?? []).map((a) => a.id).join(',');
  useEffect(() => {
    const ac = new AbortController();
    fetchAlertHistory(ac.signal)
      .then((r) => setHistory(r.alerts.filter((a) => a.state === 'resolved')))
      .catch(() => undefined);
    return () => ac.abort();
  }, [firingKey]);
  return (
    <div className="panel alerts-panel" data-testid="alerts-panel">
      <h4>
        <Icon name="bell" /> Alerts <span className="muted">({firing?.length ?? 0} firing)</span>
        <button type="button" className="link-btn" onClick={() => setShowHistory((v) => !v)}>
          {showHistory ? 'hide history' : `history (${history.length})`}
        </button>
      </h4>
      {firing === undefined ? (
        <div className="muted small">connecting…</div>
      ) : firing.length === 0 ? (
        <div className="muted small" data-testid="alerts-none">
          nothing firing
        </div>
      ) : (
        <ul className="alert-list">
          {firing.map((a) => (
            <AlertRow key={a.id} a={a} now={now} />
          ))}
        </ul>
      )}
      {showHistory && (
        <ul className="alert-list history">
          {history.map((a) => (
            <AlertRow key={a.id} a={a} now={now} />
          ))}
        </ul>
      )}
    </div>
  );
}
