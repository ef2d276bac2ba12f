import { useCallback, useEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import type { ActionResult, Job, PickerEntry } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { fetchPicker, newKey, startModelAction, startPick, type ModelAction } from './actions.api';
import { JobHistory } from './JobHistory';
import { ModelPicker } from './ModelPicker';
import { SwitchProgress } from './SwitchProgress';
import { Icon } from '../../components/Icon';
import './actions.css';

const OPEN_EVENT = 'boo:open-picker';
const HISTORY_EVENT = 'boo:open-jobs';
const ACTION_EVENT = 'boo:model-action';

interface ModelActionRequest {
  action: ModelAction;
  host: string;
  model: string;
}

/** Opens the model picker from anywhere (a host card passes its host id to filter). */
export function openModelPicker(host?: string): void {
  window.dispatchEvent(new CustomEvent(OPEN_EVENT, { detail: { host: host ?? null } }));
}
export function openJobHistory(host?: string): void {
  window.dispatchEvent(new CustomEvent(HISTORY_EVENT, { detail: { host: host ?? null } }));
}
/**
 * Warms, unloads or switches to a model from any view (a Models row): the layer starts the job
 * and shows its live progress, exactly as for a switch picked with `m`.
 */
export function runModelAction(action: ModelAction, host: string, model: string): void {
  window.dispatchEvent(new CustomEvent<ModelActionRequest>(ACTION_EVENT, { detail: { action, host, model } }));
}

/** A button other views can drop in (Fleet host cards, the Models view). */
export function SwitchModelButton({ host, label = 'Switch model' }: { host?: string; label?: string }) {
  return (
    <button type="button" className="ax-btn ghost small" onClick={() => openModelPicker(host)} data-testid="switch-model-button">
      <Icon name="switch" /> {label}
    </button>
  );
}

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

/**
 * Everything actions add to /control: `m` opens the model picker on any view, the floating bar
 * (Switch model · Jobs), the live progress of the action just started, and the job history.
 * Mounted once by the shell.
 */
export function ActionsLayer() {
  const { pathname } = useLocation();
  const onControl = pathname.startsWith('/control');
  const [picker, setPicker] = useState<{ host: string | null } | null>(null);
  const [entries, setEntries] = useState<PickerEntry[] | null>(null);
  const [pickerError, setPickerError] = useState<string | null>(null);
  const [active, setActive] = useState<Job | null>(null);
  const [history, setHistory] = useState<{ host: string | null } | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const busy = useRef(false);

  const open = useCallback((host: string | null) => {
    setPicker({ host });
    setEntries(null);
    setPickerError(null);
    fetchPicker()
      .then((r) => setEntries(r.entries))
      .catch((e: unknown) => setPickerError(e instanceof Error ? e.message : String(e)));
  }, []);

  useEffect(() => {
    if (!onControl) return;
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== 'm' || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || picker) return;
      ev.preventDefault();
      open(null);
    };
    const onOpen = (ev: Event) => open((ev as CustomEvent<{ host: string | null }>).detail?.host ?? null);
    const onHistory = (ev: Event) => setHistory({ host: (ev as CustomEvent<{ host: string | null }>).detail?.host ?? null });
    window.addEventListener('keydown', onKey);
    window.addEventListener(OPEN_EVENT, onOpen);
    window.addEventListener(HISTORY_EVENT, onHistory);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener(OPEN_EVENT, onOpen);
      window.removeEventListener(HISTORY_EVENT, onHistory);
    };
  }, [onControl, picker, open]);

  // One start at a time: a double click sends nothing twice (and each intent has its own key).
  const start = useCallback((run: (key: string) => Promise<ActionResult>) => {
    if (busy.current) return;
    busy.current = true;
    setStartError(null);
    run(newKey())
      .then((r) => setActive(r.job))
      .catch((e: unknown) => setStartError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)))
      .finally(() => (busy.current = false));
  }, []);

  const pick = useCallback(
    (entry: PickerEntry) => {
      setPicker(null);
      start((key) => startPick(entry, key));
    },
    [start],
  );

  useEffect(() => {
    const onAction = (ev: Event) => {
      const { action, host, model } = (ev as CustomEvent<ModelActionRequest>).detail;
      start((key) => startModelAction(action, host, model, key));
    };
    window.addEventListener(ACTION_EVENT, onAction);
    return () => window.removeEventListener(ACTION_EVENT, onAction);
  }, [start]);

  if (!onControl) return null;
  return (
    <>
      <div className="ax-bar">
        <button type="button" className="ax-btn" onClick={() => open(null)} data-testid="open-picker" title="Switch model (m)">
          <Icon name="switch" /> Switch model <kbd>m</kbd>
        </button>
        <button type="button" className="ax-btn ghost" onClick={() => setHistory({ host: active?.hostId ?? null })} data-testid="open-jobs">
          Jobs
        </button>
      </div>
      {startError && (
        <div className="ax-toast bad" role="alert" onClick={() => setStartError(null)}>
          {startError}
        </div>
      )}
      {active && <SwitchProgress key={active.id} job={active} onClose={() => setActive(null)} />}
      {picker && <ModelPicker entries={entries} error={pickerError} host={picker.host} onPick={pick} onClose={() => setPicker(null)} />}
      {history && <JobHistory initialHost={history.host} onClose={() => setHistory(null)} />}
    </>
  );
}
