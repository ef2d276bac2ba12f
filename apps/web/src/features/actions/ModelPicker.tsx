import { useEffect, useMemo, useRef, useState } from 'react';
import type { PickerEntry } from '@boocontrol/contracts';
import { useFleet } from '../../live/context';
import { RoutingHints } from './RoutingHints';

const CATEGORIES = ['Allround', 'Coding', 'Long-context', 'Uncensored-ish', 'Other'] as const;

export interface PickerGroup {
  key: string;
  title: string;
  entries: Array<PickerEntry & { n: number }>;
}

/**
 * Picker order: per host, its categories (Allround → Other), `order` within one, and the host's
 * stop actions last; entries are numbered 1..N in that order for the digit keys.
 */
export function groupEntries(entries: PickerEntry[]): PickerGroup[] {
  const hosts = [...new Set(entries.map((e) => e.host))].sort();
  const groups: PickerGroup[] = [];
  let n = 0;
  for (const host of hosts) {
    const mine = entries.filter((e) => e.host === host);
    const label = mine[0]?.hostLabel ?? host;
    const buckets: Array<[string, PickerEntry[]]> = [];
    for (const c of CATEGORIES) {
      const list = mine.filter((e) => e.category === c && e.actionKind !== 'stop').sort((a, b) => a.order - b.order || a.label.localeCompare(b.label));
      if (list.length) buckets.push([c, list]);
    }
    const stops = mine.filter((e) => e.actionKind === 'stop').sort((a, b) => a.order - b.order);
    if (stops.length) buckets.push(['Stop', stops]);
    const onlyModels = mine.every((e) => e.kind === 'model');
    for (const [cat, list] of buckets) {
      groups.push({ key: `${host}/${cat}`, title: onlyModels ? label : `${label} · ${cat}`, entries: list.map((e) => ({ ...e, n: ++n })) });
    }
  }
  return groups;
}

interface Props {
  entries: PickerEntry[] | null;
  error: string | null;
  /** Only this host's entries (opened from a host card); all hosts otherwise. */
  host?: string | null;
  onPick(entry: PickerEntry): void;
  onClose(): void;
}

/** The `m` overlay: grouped, ordered, numbered; digits pick, arrows + Enter pick, Esc cancels. */
export function ModelPicker({ entries, error, host, onPick, onClose }: Props) {
  const fleet = useFleet();
  const [cursor, setCursor] = useState(0);
  const digits = useRef<{ buf: string; timer: number | undefined }>({ buf: '', timer: undefined });
  const states = useMemo(() => {
    const m = new Map<string, string>();
    for (const h of fleet?.hosts ?? []) for (const x of h.models) m.set(`${h.id}/${x.id}`, x.state);
    return m;
  }, [fleet]);
  const groups = useMemo(() => groupEntries((entries ?? []).filter((e) => !host || e.host === host)), [entries, host]);
  const flat = useMemo(() => groups.flatMap((g) => g.entries), [groups]);

  useEffect(() => {
    const pickNumber = (n: number) => {
      const e = flat.find((x) => x.n === n);
      if (e) onPick(e);
    };
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        onClose();
      } else if (/^[0-9]$/.test(ev.key)) {
        ev.preventDefault();
        const d = digits.current;
        window.clearTimeout(d.timer);
        d.buf += ev.key;
        const longer = flat.some((x) => String(x.n).startsWith(d.buf) && String(x.n) !== d.buf);
        const exact = flat.some((x) => String(x.n) === d.buf);
        if (exact && !longer) {
          const n = Number(d.buf);
          d.buf = '';
          pickNumber(n);
        } else if (!exact && !longer) {
          d.buf = '';
        } else {
          d.timer = window.setTimeout(() => {
            const n = Number(d.buf);
            d.buf = '';
            pickNumber(n);
          }, 600);
        }
      } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        setCursor((c) => (flat.length ? (c + (ev.key === 'ArrowDown' ? 1 : -1) + flat.length) % flat.length : 0));
      } else if (ev.key === 'Enter') {
        ev.preventDefault();
        const e = flat[cursor];
        if (e) onPick(e);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.clearTimeout(digits.current.timer);
    };
  }, [flat, cursor, onPick, onClose]);

  return (
    <div className="ax-backdrop" onClick={onClose} data-testid="model-picker">
      <div className="ax-picker" role="dialog" aria-label="switch model" onClick={(e) => e.stopPropagation()}>
        <header className="ax-picker-head">
          <h2>Switch model</h2>
          <span className="muted small">digits pick · ↑↓ Enter · Esc cancels</span>
        </header>
        <RoutingHints host={host} />
        {error && <p className="ax-error">{error}</p>}
        {!entries && !error && <p className="muted">Loading models…</p>}
        {entries && flat.length === 0 && <p className="muted">No models or actions{host ? ` on ${host}` : ''} yet.</p>}
        <div className="ax-groups">
          {groups.map((g) => (
            <section key={g.key} className="ax-group">
              <h3>{g.title}</h3>
              <ul>
                {g.entries.map((e) => {
                  const state = e.kind === 'model' ? (states.get(`${e.host}/${e.id}`) ?? e.state) : null;
                  return (
                    <li key={`${e.host}/${e.kind}/${e.id}`}>
                      <button
                        type="button"
                        className={`ax-entry ${flat[cursor] === e ? 'cursor' : ''} ${state ? `state-${state}` : ''}`}
                        data-testid="picker-entry"
                        data-n={e.n}
                        data-id={e.id}
                        data-host={e.host}
                        onMouseEnter={() => setCursor(flat.indexOf(e))}
                        onClick={() => onPick(e)}
                      >
                        <span className="ax-n numeral">{e.n}</span>
                        <span className="ax-label">
                          {e.label}
                          {e.description && <span className="ax-desc">{e.description}</span>}
                        </span>
                        {e.slot && (
                          <span className={`ax-slot slot-${e.slot}`}>
                            {e.slot}
                            {e.port ? ` :${e.port}` : ''}
                          </span>
                        )}
                        {state && <span className="model-state">{state}</span>}
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
