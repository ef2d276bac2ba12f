import { readFile, realpath } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { HostAction, LlamaProvider, ProviderKind } from '@boocontrol/contracts';
import type { FleetState } from '../fleet/fleet-state';
import type { HostRecord, HostsRepo } from './hosts.repo';
import { parseHostActions } from '../actions/host-actions';

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
  /** Per-host overrides from the hosts file (healthCheckTimeoutS). */
  overrides?: () => Map<string, { healthCheckTimeoutS?: number | undefined }>;
}

/**
 * Where actions find a host: the live fleet (demo hosts and every watched host), the stored row
 * (SSH settings, script actions, API key file reference) and LLAMA_PROVIDERS (inline API keys).
 */
export class HostDirectory {
  constructor(private readonly deps: HostDirectoryDeps) {}

  async get(id: string): Promise<ActionHost | undefined> {
    const live = this.deps.fleet.get(id);
    const record = await this.deps.hostsRepo.get(id);
    const provider = this.deps.providers.find((p) => p.id === id);
    if (!live && !record && !provider) return undefined;
    const apiKey = provider?.apiKey ?? (await this.readKey(record?.apiKeyRef ?? null));
    return {
      id,
      label: live?.label ?? record?.label ?? provider?.label ?? id,
      kind: live?.kind ?? record?.kind ?? provider?.kind ?? 'llama-swap',
      baseUrl: (live?.baseUrl ?? record?.baseUrl ?? provider?.baseUrl ?? '').replace(/\/+$/, ''),
      apiKey,
      healthCheckTimeoutS: this.deps.overrides?.().get(id)?.healthCheckTimeoutS ?? 120,
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

  /** Reads an API key file under the secrets dir; null when there is none (never throws). */
  private async readKey(ref: string | null): Promise<string | null> {
    if (!ref || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref)) return null;
    try {
      const root = await realpath(resolve(this.deps.secretsDir));
      const file = await realpath(resolve(root, ref));
      if (relative(root, file).startsWith('..')) return null;
      return (await readFile(file, 'utf8')).trim() || null;
    } catch {
      return null;
    }
  }
}
