import type { HostCreate, HostDetail, HostList, HostSummary, HostUpdate } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { FleetState } from './fleet-state';
import type { HostRegistry } from './host-registry';

/** Hosts as the API shows them: live summaries plus how each is configured. */
export class HostsService {
  constructor(
    private readonly fleet: FleetState,
    private readonly registry: HostRegistry,
  ) {}

  list(): HostList {
    return { hosts: this.fleet.list() };
  }

  detail(id: string): HostDetail {
    const host = this.fleet.get(id);
    const reg = this.registry.get(id);
    if (!host || !reg) throw new AppError('NOT_FOUND', `no host "${id}"`);
    return { host, config: { source: reg.row.source, apiKeyRef: reg.row.apiKeyRef, hasApiKey: reg.hasApiKey, editable: reg.row.source !== 'config' } };
  }

  async add(input: HostCreate): Promise<HostDetail> {
    await this.registry.add({ id: input.id, label: input.label, baseUrl: input.baseUrl, kind: input.kind, apiKeyRef: input.apiKeyRef ?? null });
    return this.detail(input.id);
  }

  async edit(id: string, patch: HostUpdate): Promise<HostDetail> {
    await this.registry.edit(id, { label: patch.label, baseUrl: patch.baseUrl, kind: patch.kind, apiKeyRef: patch.apiKeyRef ?? null });
    return this.detail(id);
  }

  async remove(id: string): Promise<void> {
    await this.registry.remove(id);
  }

  summary(id: string): HostSummary {
    const h = this.fleet.get(id);
    if (!h) throw new AppError('NOT_FOUND', `no host "${id}"`);
    return h;
  }
}
