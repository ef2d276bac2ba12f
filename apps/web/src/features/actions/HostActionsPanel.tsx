import { useEffect, useState } from 'react';
import type { HostActions, SlotStatusList } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { fetchActions, fetchSlots, saveActions } from './actions.api';

/**
 * A host's script actions, editable as JSON (validated by control on save; errors name the
 * field), and the live status of its slots (/health and /v1/models per slot).
 */
export function HostActionsPanel({ host }: { host: string }) {
  const [data, setData] = useState<HostActions | null>(null);
  const [text, setText] = useState('');
  const [slots, setSlots] = useState<SlotStatusList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    fetchActions(host)
      .then((a) => live && (setData(a), setText(JSON.stringify(a.actions, null, 2))))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    const poll = () =>
      fetchSlots(host)
        .then((s) => live && setSlots(s))
        .catch(() => undefined);
    void poll();
    const t = setInterval(poll, 5000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [host]);

  const save = async () => {
    setSaved(false);
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return setError(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      const r = await saveActions(host, parsed as never);
      setData(r);
      setText(JSON.stringify(r.actions, null, 2));
      setSaved(true);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <div className="ax-actions-panel" data-testid="host-actions-panel">
      {slots && slots.slots.length > 0 && (
        <ul className="ax-slots">
          {slots.slots.map((s) => (
            <li key={s.slot} className={s.healthy ? 'ok' : 'bad'}>
              <span className={`ax-slot slot-${s.slot}`}>{s.slot}</span> <span className="mono">{s.url}</span> {s.healthy ? s.models.join(', ') || 'no model' : s.error}
            </li>
          ))}
        </ul>
      )}
      {data && !data.sshConfigured && <p className="ax-note">This host has no complete SSH settings yet: actions cannot run until it has (hosts file or Host config).</p>}
      {error && <p className="ax-error">{error}</p>}
      <textarea className="ax-editor mono" value={text} onChange={(e) => (setText(e.target.value), setSaved(false))} spellCheck={false} aria-label="actions JSON" />
      <div className="ax-row">
        {saved && <span className="ax-note">saved</span>}
        <button type="button" className="ax-btn" onClick={() => void save()} disabled={!data}>
          Save actions
        </button>
      </div>
    </div>
  );
}
