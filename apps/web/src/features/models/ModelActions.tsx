import type { FleetModel } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { runModelAction } from '../actions/ActionsLayer';

/**
 * Warm, Unload and Switch to for one model row. They go through the same endpoints and per-host
 * queue as the `m` picker, and the same progress panel shows the job. A button that would do
 * nothing for the current state is disabled (with the reason as its tooltip), not hidden, so
 * the row keeps its shape while states change.
 */
export function ModelActions({ m, actionable }: { m: FleetModel; actionable: boolean }) {
  const reachable = m.hostStatus === 'online' || m.hostStatus === 'degraded';
  const why = !actionable ? 'only llama-swap hosts take per-model actions' : !reachable ? `host is ${m.hostStatus}` : null;
  const loaded = m.state === 'ready' || m.state === 'starting';
  return (
    <div className="model-actions">
      <button
        type="button"
        className="ax-btn ghost small"
        data-testid="model-warm"
        disabled={!!why || loaded}
        title={why ?? (loaded ? 'already loaded' : 'Load this model and keep the others (llama-swap evicts only per its groups)')}
        onClick={() => runModelAction('warm', m.hostId, m.id)}
      >
        <Icon name="warm" /> Warm
      </button>
      <button
        type="button"
        className="ax-btn ghost small"
        data-testid="model-unload"
        disabled={!!why || m.state === 'stopped'}
        title={why ?? (m.state === 'stopped' ? 'not loaded' : 'Stop this model and free its memory')}
        onClick={() => runModelAction('unload', m.hostId, m.id)}
      >
        <Icon name="unload" /> Unload
      </button>
      <button
        type="button"
        className="ax-btn ghost small"
        data-testid="model-switch"
        disabled={!!why}
        title={why ?? 'Switch the host to this model (as the picker does)'}
        onClick={() => runModelAction('switch', m.hostId, m.id)}
      >
        <Icon name="switch" /> Switch to
      </button>
    </div>
  );
}

/** The state filter: labels people use, mapped to llama-swap's process states. */
export const STATE_FILTERS = [
  { key: 'all', label: 'all', states: null },
  { key: 'loaded', label: 'loaded', states: ['ready'] },
  { key: 'loading', label: 'loading', states: ['starting'] },
  { key: 'stopping', label: 'stopping', states: ['stopping'] },
  { key: 'stopped', label: 'stopped', states: ['stopped'] },
  { key: 'unknown', label: 'unknown', states: ['unknown'] },
] as const satisfies ReadonlyArray<{ key: string; label: string; states: readonly FleetModel['state'][] | null }>;
export type StateFilter = (typeof STATE_FILTERS)[number]['key'];

export const stateFilterOf = (v: string | null): StateFilter => STATE_FILTERS.find((f) => f.key === v)?.key ?? 'all';

export function inStateFilter(m: Pick<FleetModel, 'state'>, f: StateFilter): boolean {
  const states = STATE_FILTERS.find((x) => x.key === f)?.states;
  return !states || (states as readonly string[]).includes(m.state);
}
