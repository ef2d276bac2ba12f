import type { HostAction, LlamaProvider, ProviderKind } from '@boocontrol/contracts';
import type { FleetState } from '../fleet/fleet-state';
import type { HostRecord, HostsRepo } from './hosts.repo';
import { parseHostActions } from '../actions/host-actions';
import { readSecretOrNull } from './secrets';

/** Everything an action needs to know about a host. `apiKey` is never logged or returned. */
export interface ActionHost {
  id: string;
  label: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey: string | null;
  /** llama-swap's healthCheckTimeout (s) as configured for the host (hosts file), default 120. */
  healthCheckTimeoutS: number;
  record: HostRecord | undefined;
  actions: HostAction[];
}

export interface HostDirectoryDeps {
  fleet: FleetState;
  hostsRepo: HostsRepo;
  providers: LlamaProvider[];
  secretsDir: string;
}

type Overrides = Map<string, { healthCheckTimeoutS?: number | undefined }>;

/**
 * The one place that resolves a host for whoever acts on it (actions, config edits, benches,
 * the gateway): the live fleet (demo hosts and every watched host), the stored row (SSH
 * settings, script actions, API key file reference) and LLAMA_PROVIDERS (inline API keys).
 */
export class HostDirectory {
  private overrides: Overrides = new Map();

  constructor(private readonly deps: HostDirectoryDeps) {}

  /** Per-host facts from the hosts file that have no column (healthCheckTimeoutS). */
  setOverrides(overrides: Overrides): void {
    this.overrides = overrides;
  }

  async get(id: string): Promise<ActionHost | undefined> {
    const live = this.deps.fleet.get(id);
    const record = await this.deps.hostsRepo.get(id);
    const provider = this.deps.providers.find((p) => p.id === id);
    if (!live && !record && !provider) return undefined;
    const apiKey = provider?.apiKey ?? (await readSecretOrNull(this.deps.secretsDir, record?.apiKeyRef ?? null));
    return {
      id,
      label: live?.label ?? record?.label ?? provider?.label ?? id,
      kind: live?.kind ?? record?.kind ?? provider?.kind ?? 'llama-swap',
      baseUrl: (live?.baseUrl ?? record?.baseUrl ?? provider?.baseUrl ?? '').replace(/\/+$/, ''),
      apiKey,
      healthCheckTimeoutS: this.overrides.get(id)?.healthCheckTimeoutS ?? 120,
      record,
      actions: parseHostActions(record?.actions ?? []),
    };
  }

  /** Ids of every host known live or stored. */
  async ids(): Promise<string[]> {
    const ids = new Set(this.deps.fleet.list().map((h) => h.id));
    for (const r of await this.deps.hostsRepo.list()) ids.add(r.id);
    return [...ids].sort();
  }
}
