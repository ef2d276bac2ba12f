import type { LlamaProvider, ProviderKind } from '@boocontrol/contracts';
import { createConnector, type Connector, type ConnectorLogger, type ConnectorTimings, type CursorStore, type HostEvent } from '../connectors';
import { AppError } from '../lib/errors';
import type { FleetState } from './fleet-state';
import type { HostRecord, HostSource, HostsRepo } from '../hosts/hosts.repo';
import { readSecret, SECRET_REF } from '../hosts/secrets';

type RegistryRow = HostRecord;

export interface HostSpec {
  id: string;
  label: string;
  baseUrl: string;
  kind: ProviderKind;
  source: HostSource;
  /** A key given inline (LLAMA_PROVIDERS or a runtime host); never stored, never logged. */
  apiKey?: string | null;
  /** Name of a file under secrets/ holding the key. */
  apiKeyRef?: string | null;
}

interface Entry {
  row: RegistryRow;
  hasInlineKey: boolean;
  connector: Connector;
  ac: AbortController;
  run: Promise<void>;
}

export interface HostRegistryDeps {
  repo: HostsRepo;
  fleet: FleetState;
  cursors: CursorStore;
  providers: LlamaProvider[];
  secretsDir: string;
  timings: ConnectorTimings;
  log: ConnectorLogger & { error(obj: object, msg: string): void };
  count(name: string, by?: number): void;
  /** Where every connector event goes (fleet ingest). */
  onEvent(hostId: string, ev: HostEvent): void;
  onTrack(hostId: string, epoch: number): void;
  onForget(hostId: string): void;
}

/**
 * Which hosts control watches: the ones configured in LLAMA_PROVIDERS, the ones added in the
 * UI (persisted in control_hosts beside the configured ones) and runtime hosts such as the demo
 * fleet. Each gets one connector, started here and stopped on removal.
 */
export class HostRegistry {
  private readonly entries = new Map<string, Entry>();
  private started = false;

  constructor(private readonly deps: HostRegistryDeps) {}

  /** Configured hosts first, then the ones added in the UI in an earlier run. */
  async start(): Promise<void> {
    this.started = true;
    for (const p of this.deps.providers) {
      await this.launch({ id: p.id, label: p.label, baseUrl: p.baseUrl, kind: p.kind, source: 'config', apiKey: p.apiKey ?? null });
    }
    for (const row of await this.deps.repo.listBySource('ui')) {
      if (this.entries.has(row.id)) continue;
      // A key file removed since the host was added must not stop control from starting: the
      // host is watched without a key and its status will say it is refused.
      await this.launch({ ...row, source: 'ui' }, { lenientSecret: true });
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    const runs = [...this.entries.values()].map((e) => {
      e.ac.abort();
      return e.run;
    });
    await Promise.allSettled(runs);
  }

  list(): RegistryRow[] {
    return [...this.entries.values()].map((e) => e.row).sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): { row: RegistryRow; hasApiKey: boolean } | undefined {
    const e = this.entries.get(id);
    return e ? { row: e.row, hasApiKey: e.hasInlineKey || e.row.apiKeyRef !== null } : undefined;
  }

  connector(id: string): Connector | undefined {
    return this.entries.get(id)?.connector;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** For the demo fleet and other in-process sources: watch this host until removed. */
  async addRuntimeHost(spec: Omit<HostSpec, 'source'> & { source?: HostSource }): Promise<RegistryRow> {
    return this.launch({ ...spec, source: spec.source ?? 'demo' });
  }

  /** A host added in the UI; persisted so it is watched again after a restart. */
  async add(spec: Omit<HostSpec, 'source' | 'apiKey'>): Promise<RegistryRow> {
    if (this.entries.has(spec.id)) throw new AppError('CONFLICT', `a host with id "${spec.id}" already exists`);
    return this.launch({ ...spec, source: 'ui' });
  }

  async edit(id: string, patch: Partial<Pick<HostSpec, 'label' | 'baseUrl' | 'kind' | 'apiKeyRef'>>): Promise<RegistryRow> {
    const e = this.entries.get(id);
    if (!e) throw new AppError('NOT_FOUND', `no host "${id}"`);
    if (e.row.source === 'config') throw new AppError('CONFLICT', `host "${id}" is defined in LLAMA_PROVIDERS; change it there`);
    const next: HostSpec = {
      id,
      label: patch.label ?? e.row.label,
      baseUrl: patch.baseUrl ?? e.row.baseUrl,
      kind: patch.kind ?? e.row.kind,
      source: e.row.source,
      apiKeyRef: patch.apiKeyRef === undefined ? e.row.apiKeyRef : patch.apiKeyRef,
    };
    const reconnect = next.baseUrl !== e.row.baseUrl || next.kind !== e.row.kind || next.apiKeyRef !== e.row.apiKeyRef;
    if (!reconnect) {
      const row = await this.deps.repo.save({ ...e.row, label: next.label });
      e.row = row;
      this.deps.fleet.update(id, { label: row.label });
      return row;
    }
    await this.halt(id);
    return this.launch(next);
  }

  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) throw new AppError('NOT_FOUND', `no host "${id}"`);
    if (e.row.source === 'config') throw new AppError('CONFLICT', `host "${id}" is defined in LLAMA_PROVIDERS; remove it there`);
    await this.halt(id);
    await this.deps.repo.delete(id);
    this.deps.fleet.remove(id);
    this.deps.onForget(id);
  }

  private async launch(spec: HostSpec, opts: { lenientSecret?: boolean } = {}): Promise<RegistryRow> {
    if (spec.apiKeyRef != null && !SECRET_REF.test(spec.apiKeyRef)) throw new AppError('VALIDATION', 'apiKeyRef must be a file name under secrets/');
    let apiKey = spec.apiKey ?? null;
    if (apiKey === null && spec.apiKeyRef) {
      try {
        apiKey = await readSecret(this.deps.secretsDir, spec.apiKeyRef);
      } catch (err) {
        if (!opts.lenientSecret) throw err;
        this.deps.log.warn({ host: spec.id, apiKeyRef: spec.apiKeyRef }, 'API key file missing; watching the host without a key');
      }
    }
    await this.halt(spec.id);
    const row = await this.deps.repo.save({ id: spec.id, label: spec.label, baseUrl: spec.baseUrl, kind: spec.kind, source: spec.source, apiKeyRef: spec.apiKeyRef ?? null });
    this.deps.fleet.upsert({ id: row.id, label: row.label, kind: row.kind, baseUrl: row.baseUrl, source: row.source, status: 'connecting', statusReason: null, epoch: row.epoch, models: [], inflight: [], perf: null, version: null, connectedAt: null });
    this.deps.onTrack(row.id, row.epoch);
    const ac = new AbortController();
    const connector = createConnector({
      target: { id: row.id, baseUrl: row.baseUrl, kind: row.kind, apiKey },
      emit: (ev) => {
        if (!ac.signal.aborted) this.deps.onEvent(row.id, ev);
      },
      cursors: this.deps.cursors,
      count: this.deps.count,
      log: this.deps.log,
      timings: this.deps.timings,
    });
    const run = connector.run(ac.signal).catch((err: unknown) => {
      // A connector must never die; if one does, say so loudly: the host would silently freeze.
      this.deps.log.error({ host: row.id, err }, 'connector crashed');
      this.deps.count('connector.crashes');
    });
    this.entries.set(row.id, { row, hasInlineKey: Boolean(spec.apiKey), connector, ac, run });
    this.deps.log.info({ host: row.id, kind: row.kind, source: row.source, baseUrl: row.baseUrl, started: this.started }, 'watching host');
    return row;
  }

  private async halt(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.ac.abort();
    await e.run;
  }
}
