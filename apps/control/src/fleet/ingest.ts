import type { InflightRequest, LiveModel, ModelState, PerfLive } from '@boocontrol/contracts';
import type { GpuSample, HostEvent, ModelSnapshot, SysSample } from '../connectors/types';
import type { PerfSampleInsert } from '../perf/perf.repo';
import type { TransitionInsert } from '../models/transitions.repo';
import type { FleetState } from './fleet-state';
import type { WriteItem } from './writer';

/** At most this many in-flight requests are listed per host; `inflightTotal` has the count. */
export const INFLIGHT_LIST_MAX = 50;
/** Fast-changing host fields (in-flight bytes, perf) publish at most this often per host. */
const COALESCE_MS = 200;

export interface IngestSinks {
  fleet: FleetState;
  write(items: WriteItem[]): void;
  log(hostId: string, source: string, text: string, history: boolean): void;
  now?: () => Date;
}

interface HostMemory {
  epoch: number;
  /** Last known state of each model, kept across reconnects so a transition is only recorded when seen. */
  models: Map<string, { state: ModelState; since: string }>;
  inflight: Map<string, InflightRequest>;
  inflightTotal: number | null;
  gpus: Map<number, GpuSample>;
}

/**
 * Turns connector events into fleet state, rows for the writer and log text. Pure bookkeeping:
 * no I/O, never throws on host data (the connector validated it).
 */
export class FleetIngest {
  private readonly hosts = new Map<string, HostMemory>();
  private readonly now: () => Date;

  constructor(private readonly sinks: IngestSinks) {
    this.now = sinks.now ?? (() => new Date());
  }

  /** Starts tracking a host at its persisted epoch. */
  track(hostId: string, epoch: number): void {
    this.hosts.set(hostId, { epoch, models: new Map(), inflight: new Map(), inflightTotal: null, gpus: new Map() });
    this.sinks.fleet.update(hostId, { epoch });
  }

  forget(hostId: string): void {
    this.hosts.delete(hostId);
  }

  apply(hostId: string, ev: HostEvent): void {
    const mem = this.hosts.get(hostId);
    if (!mem) return;
    const fleet = this.sinks.fleet;
    switch (ev.type) {
      case 'status': {
        const at = this.now().toISOString();
        fleet.update(hostId, (h) => ({
          status: ev.status,
          statusReason: ev.reason,
          lastError: ev.error === undefined ? h.lastError : ev.error,
          statusSince: h.status === ev.status ? (h.statusSince ?? at) : at,
          ...(ev.status === 'offline' ? { inflight: [], inflightTotal: 0 } : {}),
        }));
        if (ev.status === 'offline') mem.inflight.clear();
        return;
      }
      case 'connected':
        // Wipe the live state: the burst that follows replaces it (gotcha 1). Coalesced, so the
        // wipe and the burst's modelStatus reach viewers as one update, without a flash of nothing.
        mem.inflight.clear();
        mem.inflightTotal = null;
        fleet.update(hostId, { version: ev.version, wire: ev.wire, connectedAt: this.now().toISOString(), inflight: [], inflightTotal: 0 }, { coalesceMs: COALESCE_MS });
        return;
      case 'models':
        return this.models(hostId, mem, ev.models);
      case 'inflight':
        return this.inflight(hostId, mem, ev);
      case 'activity':
        this.sinks.write(ev.rows.map((rec) => ({ kind: 'activity', row: { hostId, epoch: ev.epoch, rec } })));
        return;
      case 'perf':
        return this.perf(hostId, mem, ev.sys, ev.gpus);
      case 'log':
        this.sinks.log(hostId, ev.source, ev.text, ev.history);
        return;
      case 'epoch':
        mem.epoch = ev.epoch;
        fleet.update(hostId, { epoch: ev.epoch });
        return;
    }
  }

  private models(hostId: string, mem: HostMemory, models: ModelSnapshot[]): void {
    const now = this.now();
    const at = now.toISOString();
    const transitions: WriteItem[] = [];
    const live: LiveModel[] = models.map((m) => {
      const prev = mem.models.get(m.id);
      let since = prev?.since ?? null;
      if (!prev || prev.state !== m.state) {
        since = at;
        if (prev) transitions.push({ kind: 'transition', row: this.transition(hostId, mem, m.id, prev, m.state, now) });
        mem.models.set(m.id, { state: m.state, since: at });
      }
      return { id: m.id, name: m.name, description: m.description, state: m.state, unlisted: m.unlisted, aliases: m.aliases, contextLength: m.contextLength, since };
    });
    if (transitions.length > 0) this.sinks.write(transitions);
    this.sinks.fleet.update(hostId, { models: live });
  }

  private transition(hostId: string, mem: HostMemory, model: string, prev: { state: ModelState; since: string }, to: ModelState, at: Date): TransitionInsert {
    // Load time = how long it sat in `starting` before `ready` (as seen by us, so ±1 event latency).
    const loadMs = prev.state === 'starting' && to === 'ready' ? Math.max(0, at.getTime() - Date.parse(prev.since)) : null;
    return { hostId, epoch: mem.epoch, model, from: prev.state, to, at, loadMs };
  }

  private inflight(hostId: string, mem: HostMemory, ev: Extract<HostEvent, { type: 'inflight' }>): void {
    switch (ev.op) {
      case 'snapshot':
        mem.inflight = new Map(ev.requests.map((r) => [r.id, r]));
        mem.inflightTotal = null;
        break;
      case 'upsert':
        mem.inflight.set(ev.request.id, ev.request);
        break;
      case 'remove':
        mem.inflight.delete(ev.id);
        break;
      case 'total':
        mem.inflightTotal = ev.total;
        break;
    }
    const list = [...mem.inflight.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || Number(a.id) - Number(b.id));
    this.sinks.fleet.update(
      hostId,
      { inflight: list.slice(0, INFLIGHT_LIST_MAX), inflightTotal: mem.inflightTotal ?? list.length },
      // Coalesced: under load a host starts and ends hundreds of requests a second, and each
      // publish carries the whole host summary.
      { coalesceMs: COALESCE_MS },
    );
  }

  private perf(hostId: string, mem: HostMemory, sys: SysSample[], gpus: GpuSample[]): void {
    const rows: WriteItem[] = [];
    const add = (ts: Date, metric: string, series: string, value: number) => {
      if (Number.isFinite(value)) rows.push({ kind: 'perf', row: { hostId, ts, metric, series, value } satisfies PerfSampleInsert });
    };
    for (const s of sys) {
      add(s.ts, 'cpu_pct', '', s.cpuPct);
      add(s.ts, 'mem_used_mb', '', s.memUsedMb);
      add(s.ts, 'mem_total_mb', '', s.memTotalMb);
    }
    for (const g of gpus) {
      const series = String(g.gpu);
      add(g.ts, 'gpu_util_pct', series, g.utilPct);
      add(g.ts, 'gpu_mem_used_mb', series, g.memUsedMb);
      add(g.ts, 'gpu_mem_total_mb', series, g.memTotalMb);
      add(g.ts, 'gpu_temp_c', series, g.tempC);
      add(g.ts, 'gpu_power_w', series, g.powerW);
      const prev = mem.gpus.get(g.gpu);
      if (!prev || prev.ts <= g.ts) mem.gpus.set(g.gpu, g);
    }
    if (rows.length > 0) this.sinks.write(rows);
    const latestSys = sys.reduce<SysSample | undefined>((a, b) => (!a || b.ts > a.ts ? b : a), undefined);
    if (!latestSys && gpus.length === 0) return;
    this.sinks.fleet.update(
      hostId,
      (h) => {
        const perf: PerfLive = {
          at: (latestSys?.ts ?? gpus[gpus.length - 1]?.ts ?? this.now()).toISOString(),
          cpuPct: latestSys?.cpuPct ?? h.perf?.cpuPct ?? 0,
          memUsedMb: latestSys?.memUsedMb ?? h.perf?.memUsedMb ?? 0,
          memTotalMb: latestSys?.memTotalMb ?? h.perf?.memTotalMb ?? 0,
          gpus: [...mem.gpus.values()]
            .sort((a, b) => a.gpu - b.gpu)
            .map((g) => ({ id: g.gpu, name: g.name, tempC: g.tempC, utilPct: g.utilPct, memUsedMb: g.memUsedMb, memTotalMb: g.memTotalMb, powerW: g.powerW })),
        };
        return { perf };
      },
      { coalesceMs: COALESCE_MS },
    );
  }
}
