import { useEffect, useState } from 'react';
import type { ActivityRowLive, Capture } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { fmtDateTime, fmtDuration } from '../fleet/ui/format';
import { fetchCapture } from './activity.api';
import { Icon } from '../../components/Icon';

/** Pretty-prints JSON bodies; SSE streams are shown as their data lines. */
function pretty(body: string | null): string {
  if (body === null) return '(not captured)';
  const t = body.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      return body;
    }
  }
  return body;
}

function Headers({ h }: { h: Record<string, string> }) {
  const entries = Object.entries(h);
  if (entries.length === 0) return <div className="muted small">(none)</div>;
  return (
    <dl className="kv small mono">
      {entries.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd className={v === '[REDACTED]' ? 'redacted' : ''}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The request and response of one stored request, fetched on demand (secrets are redacted by control). */
export function CaptureDrawer({ row, onClose }: { row: ActivityRowLive; onClose(): void }) {
  const [cap, setCap] = useState<Capture | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    setCap(null);
    setError(null);
    if (!row.hasCapture) {
      setError('The host recorded no capture for this request.');
      return;
    }
    fetchCapture(row.id, ac.signal)
      .then(setCap)
      .catch((e: unknown) => !ac.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)));
    return () => ac.abort();
  }, [row.id, row.hasCapture]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <aside className="capture-drawer" data-testid="capture-drawer" aria-label="request capture">
      <header>
        <div>
          <div className="numeral">{row.model}</div>
          <div className="muted small">
            {row.hostId} · {fmtDateTime(row.ts)} · {row.path} · <span className={row.status >= 400 ? 'error-text' : ''}>{row.status}</span> · {fmtDuration(row.durationMs)}
          </div>
        </div>
        <button type="button" onClick={onClose} aria-label="close">
          <Icon name="close" />
        </button>
      </header>
      {row.error && <p className="error-text small">{row.error}</p>}
      {error && <p className="muted" data-testid="capture-error">{error}</p>}
      {!cap && !error && <p className="muted">Fetching the capture from the host…</p>}
      {cap && (
        <div className="capture-body">
          {cap.truncated && <p className="muted small">Bodies were cut to fit the per-row limit.</p>}
          <section>
            <h4>Request headers</h4>
            <Headers h={cap.reqHeaders} />
            <h4>Request body</h4>
            <pre className="code" data-testid="capture-request">{pretty(cap.reqBody)}</pre>
          </section>
          <section>
            <h4>Response headers</h4>
            <Headers h={cap.respHeaders} />
            <h4>Response body</h4>
            <pre className="code" data-testid="capture-response">{pretty(cap.respBody)}</pre>
          </section>
        </div>
      )}
    </aside>
  );
}
