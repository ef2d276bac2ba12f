import type { HostAction, ModelState } from '@boocontrol/contracts';
import type { FleetState } from '../fleet/fleet-state';
import { AppError } from '../lib/errors';
import type { ActionHost, HostDirectory } from '../hosts/host-directory';

/** What a `switch {model, host?}` resolved to. */
export type SwitchTarget =
  | { via: 'llama-swap'; host: ActionHost; model: string }
  | { via: 'action'; host: ActionHost; model: string; action: HostAction };

interface Candidate {
  host: string;
  model: string;
  state: ModelState;
  action?: HostAction;
}

/** A script action answers to its `model` or, failing that, its id. Only switch-kind actions. */
const actionFor = (actions: HostAction[], model: string) => actions.find((a) => a.kind === 'switch' && (a.model === model || a.id === model));

/**
 * Finds where a model lives. With a host: that host must exist; a llama-swap host gets the model
 * as given (an alias resolves to its real id when the live list knows it; otherwise llama-swap
 * decides and answers 404 for an unknown id). Without a host: the model must be on exactly one
 * host — none is NOT_FOUND, several is AMBIGUOUS_MODEL with the candidates in error.details.
 */
export class ModelResolver {
  constructor(
    private readonly fleet: FleetState,
    private readonly directory: HostDirectory,
  ) {}

  async resolve(model: string, hostId?: string): Promise<SwitchTarget> {
    if (hostId) {
      const host = await this.directory.get(hostId);
      if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
      return this.onHost(host, model);
    }
    const candidates = await this.candidates(model);
    if (candidates.length === 0) {
      throw new AppError('NOT_FOUND', `no host has a model or action called ${model}; GET /api/control/models lists them`, { model });
    }
    const hosts = [...new Set(candidates.map((c) => c.host))];
    if (hosts.length > 1) {
      throw new AppError('AMBIGUOUS_MODEL', `${model} is on ${hosts.length} hosts (${hosts.join(', ')}); say which with "host"`, {
        model,
        candidates: candidates.map((c) => ({ host: c.host, model: c.model, state: c.state })),
      });
    }
    const host = await this.directory.get(hosts[0]!);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hosts[0]}`);
    return this.onHost(host, model);
  }

  private onHost(host: ActionHost, model: string): SwitchTarget {
    const action = actionFor(host.actions, model);
    if (action) return { via: 'action', host, model: action.model ?? action.id, action };
    if (host.kind !== 'llama-swap') {
      throw new AppError('NOT_FOUND', `host ${host.id} is not a llama-swap host and has no action for ${model}`, { model, actions: host.actions.map((a) => a.id) });
    }
    const live = this.fleet.get(host.id);
    const known = live?.models.find((m) => m.id === model) ?? live?.models.find((m) => m.aliases.includes(model));
    return { via: 'llama-swap', host, model: known?.id ?? model };
  }

  private async candidates(model: string): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for (const h of this.fleet.list()) {
      if (h.kind !== 'llama-swap') continue;
      const m = h.models.find((x) => x.id === model) ?? h.models.find((x) => x.aliases.includes(model));
      if (m) out.push({ host: h.id, model: m.id, state: m.state });
    }
    for (const id of await this.directory.ids()) {
      const host = await this.directory.get(id);
      const a = host ? actionFor(host.actions, model) : undefined;
      if (a && !out.some((c) => c.host === id)) out.push({ host: id, model: a.model ?? a.id, state: 'unknown', action: a });
    }
    return out;
  }
}
