import type { ControlStatus, HostActions, PickerEntry } from '@boocontrol/contracts';
import type { FleetState } from '../fleet/fleet-state';
import type { HostsRepo } from '../hosts/hosts.repo';
import { AppError } from '../lib/errors';
import { parseHostActions, sortActions, validateHostActions } from './host-actions';
import type { ActionQueue } from '../jobs/queue';

export interface StatusDeps {
  fleet: FleetState;
  queue: ActionQueue;
  hostsRepo: HostsRepo;
}

/** Read models for agents and the picker, plus editing a host's script actions. */
export class ActionsStatusService {
  constructor(private readonly deps: StatusDeps) {}

  /** Per host: what is loaded, health, uptime, in-flight, the running job and the queue length. */
  async status(now = new Date()): Promise<ControlStatus> {
    const stored = new Map((await this.deps.hostsRepo.list()).map((r) => [r.id, r]));
    const hosts = this.deps.fleet.list().map((h) => {
      const lane = this.deps.queue.laneOf(h.id);
      const running = lane.running;
      return {
        id: h.id,
        label: h.label,
        kind: h.kind,
        status: h.status,
        statusReason: h.statusReason,
        loaded: h.models.filter((m) => m.state !== 'stopped').map((m) => ({ id: m.id, state: m.state, since: m.since })),
        uptimeS: h.connectedAt ? Math.max(0, Math.round((now.getTime() - Date.parse(h.connectedAt)) / 1000)) : null,
        inflight: h.inflightTotal ?? h.inflight.length,
        activeJob: running
          ? { id: running.id, jobType: running.jobType, stage: typeof running.detail.stage === 'string' ? running.detail.stage : null, model: typeof running.params.model === 'string' ? running.params.model : null }
          : null,
        queued: lane.queued.length,
        actions: parseHostActions(stored.get(h.id)?.actions ?? []).length,
      };
    });
    return { hosts, at: now.toISOString() };
  }

  /** Everything the model picker offers: llama-swap models and script actions, in picker order. */
  async picker(): Promise<PickerEntry[]> {
    const entries: PickerEntry[] = [];
    const stored = await this.deps.hostsRepo.list();
    const labels = new Map(this.deps.fleet.list().map((h) => [h.id, h.label]));
    for (const r of stored) labels.set(r.id, labels.get(r.id) ?? r.label);
    for (const h of this.deps.fleet.list()) {
      if (h.kind !== 'llama-swap') continue;
      const models = h.models.filter((m) => !m.unlisted).sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
      for (const [i, m] of models.entries()) {
        entries.push({ kind: 'model', host: h.id, hostLabel: h.label, id: m.id, label: m.name || m.id, description: m.description, category: 'Other', order: i, slot: null, port: null, state: m.state, actionKind: null });
      }
    }
    for (const r of stored) {
      for (const a of parseHostActions(r.actions)) {
        entries.push({
          kind: 'action',
          host: r.id,
          hostLabel: labels.get(r.id) ?? r.id,
          id: a.id,
          label: a.label,
          description: a.description,
          category: a.category,
          order: a.order,
          slot: a.slot ?? null,
          port: a.port ?? null,
          state: null,
          actionKind: a.kind,
        });
      }
    }
    return entries;
  }

  async getActions(hostId: string): Promise<HostActions> {
    const host = await this.deps.hostsRepo.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    const { host: h, user, identityFile, hostKey } = host.ssh;
    return { hostId, actions: parseHostActions(host.actions), sshConfigured: Boolean(h && user && identityFile && hostKey) };
  }

  async putActions(hostId: string, input: unknown): Promise<HostActions> {
    const actions = sortActions(validateHostActions(input));
    if (!(await this.deps.hostsRepo.setActions(hostId, actions))) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    return this.getActions(hostId);
  }
}
