// The state of one simulated llama-swap host. A "runtime" (config, processes, scheduler, in-flight
// ids) is what llama-swap rebuilds on a config reload; the stores and logs outlive it. A restart
// replaces everything, so `epoch` lets late callbacks from before a restart recognise they are stale.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeConfig } from './config';
import type { NormalizedConfig } from './config';
import { SimProcess } from './engine/process';
import { Router } from './engine/router';
import { EventHub, frame } from './events';
import { LogMonitor, LogStreamSet, proxyLine } from './logs';
import type { Level } from './logs';
import { ActivityStore } from './telemetry/activity';
import type { ActivityRow } from './telemetry/activity';
import { CaptureStore } from './telemetry/captures';
import { InflightTracker } from './telemetry/inflight';
import { PerfMonitor } from './telemetry/perf';
import { hardwareSnapshot } from './telemetry/hardware';
import type { LoadSnapshot } from './telemetry/perf';
import type { SimConfig, SimGpuSpec, Wire } from './types';
import { ScheduleBook, VarianceSource } from './timing';
import type { LlamaServerProfile, SimVariance } from './timing';
import type { UpstreamEnv } from './upstream/server';
import { modelStatusList } from './views';
import { hashString } from './rng';
import { rfc3339 } from './time';

export interface CoreOptions {
  wire: Wire;
  seed: number;
  name: string;
  version: string;
  config: SimConfig | string | undefined;
  gpus: SimGpuSpec;
  perfEveryMs: number;
  cpuCores: number;
  memTotalMb: number;
  llamaServer: LlamaServerProfile;
  variance: SimVariance | null;
}

export interface Runtime {
  cfg: NormalizedConfig;
  procs: Map<string, SimProcess>;
  router: Router;
  inflight: InflightTracker;
}

export class HostCore {
  readonly wire: Wire;
  readonly seed: number;
  readonly name: string;
  readonly version: string;
  readonly commit: string;
  epoch = 0;
  readonly startedAt = rfc3339(Date.now());
  rt!: Runtime;
  readonly events: EventHub;
  readonly proxyLog = new LogMonitor();
  readonly upstreamLog = new LogMonitor();
  readonly stdoutLog = new LogMonitor();
  private modelLogs = new Map<string, LogMonitor>();
  private readonly logStreams = new LogStreamSet();
  readonly activity: ActivityStore;
  readonly captures: CaptureStore;
  readonly perf: PerfMonitor;
  activeProfile: string | null = null;
  bytesSent = 0;
  bytesRecv = 0;
  frozen = false;
  private unfreezeWaiters: Array<() => void> = [];
  private ttlTimer: NodeJS.Timeout;
  readonly faults = {
    errorBurst: null as { count: number; status: number; message: string } | null,
    slowAll: 1,
    slow: new Map<string, number>(),
    failLoads: new Map<string, number>(),
  };
  readonly upstreamEnv: UpstreamEnv;

  constructor(private readonly o: CoreOptions) {
    this.wire = o.wire;
    this.seed = o.seed;
    this.name = o.name;
    this.version = o.version;
    this.commit = hashString(`${o.version}:${o.seed}`).toString(16).padStart(8, '0').slice(0, 7);
    this.events = new EventHub(o.wire === 'head' ? 1024 : 25);
    this.upstreamEnv = {
      seed: o.seed,
      buildInfo: 'b6123-0c1a2b3',
      slowFactor: (m) => (this.faults.slow.get(m) ?? 1) * this.faults.slowAll,
      profile: o.llamaServer,
      variance: o.variance,
      speeds: new VarianceSource(o.seed),
      schedules: new ScheduleBook(),
    };
    const cfg = normalizeConfig(o.config);
    this.activity = new ActivityStore(o.wire === 'head' ? 1 : 0, cfg.metricsMaxInMemory);
    this.captures = new CaptureStore(cfg.captureBufferBytes);
    this.perf = new PerfMonitor({ everyMs: o.perfEveryMs, gpus: o.gpus, cpuCores: o.cpuCores, memTotalMb: o.memTotalMb, seed: o.seed, load: () => this.loadSnapshot() });
    this.proxyLog.subscribe((chunk) => {
      this.events.broadcast('logData', { source: 'proxy', data: chunk });
      const mode = this.rt.cfg.logToStdout;
      if (mode === 'proxy' || mode === 'both') this.stdoutLog.write(chunk);
    });
    this.upstreamLog.subscribe((chunk) => {
      this.events.broadcast('logData', { source: 'upstream', data: chunk });
      const mode = this.rt.cfg.logToStdout;
      if (mode === 'upstream' || mode === 'both') this.stdoutLog.write(chunk);
    });
    this.rt = this.buildRuntime(cfg);
    this.perf.start();
    this.ttlTimer = setInterval(() => this.checkTtl(), 1000);
    this.ttlTimer.unref();
  }

  get cfg(): NormalizedConfig {
    return this.rt.cfg;
  }

  private buildRuntime(cfg: NormalizedConfig): Runtime {
    const procs = new Map<string, SimProcess>();
    const rt: Runtime = { cfg, procs, router: null as unknown as Router, inflight: null as unknown as InflightTracker };
    const live = (): boolean => this.rt === rt;
    for (const m of cfg.models.values()) {
      procs.set(
        m.id,
        new SimProcess(m, {
          onState: () => {
            if (live()) this.events.broadcast('modelStatus', modelStatusList(cfg, procs, this.wire));
          },
          proxyLog: (level, msg) => this.log(level, msg),
          upstreamLog: (id, text) => this.modelLog(id).write(text),
          healthCheckTimeoutMs: () => cfg.healthCheckTimeoutMs,
          takeLoadFailure: (id) => {
            const n = this.faults.failLoads.get(id);
            if (n === undefined) return false;
            if (n <= 1) this.faults.failLoads.delete(id);
            else this.faults.failLoads.set(id, n - 1);
            return true;
          },
          upstreamEnv: this.upstreamEnv,
        }),
      );
    }
    rt.router = new Router(cfg, procs, (level, msg) => this.log(level, msg));
    rt.inflight = new InflightTracker(
      (e) => {
        if (live() && this.wire === 'head') this.events.broadcast('inflight', e);
      },
      (total) => {
        if (live() && this.wire === 'v235') this.events.broadcast('inflight', { total });
      },
      () => this.events.size > 0,
    );
    return rt;
  }

  log(level: Level, msg: string): void {
    this.proxyLog.write(proxyLine(level, msg));
  }

  modelLog(id: string): LogMonitor {
    let m = this.modelLogs.get(id);
    if (!m) {
      m = new LogMonitor([this.upstreamLog]);
      this.modelLogs.set(id, m);
    }
    return m;
  }

  hasModelLog(id: string): boolean {
    return this.modelLogs.has(id) || this.cfg.models.has(id);
  }

  /** The six-message initial burst (HEAD) or the legacy burst (v235), in llama-swap's order. */
  burst(): string[] {
    const rt = this.rt;
    const out = [
      frame('logData', { source: 'proxy', data: this.proxyLog.getHistory() }),
      frame('logData', { source: 'upstream', data: this.upstreamLog.getHistory() }),
      frame('modelStatus', modelStatusList(rt.cfg, rt.procs, this.wire)),
    ];
    if (this.wire === 'head') {
      out.push(frame('uiConfig', { activity: { session_id: rt.cfg.sessionIdHeaders } }));
      out.push(frame('profileChanged', { active: this.activeProfile }));
      out.push(frame('inflight', rt.inflight.snapshot()));
    } else {
      out.push(frame('metrics', this.activity.all().map((r) => ActivityStore.toLegacy(r, this.captures.has(r.id)))));
      out.push(frame('inflight', { total: rt.inflight.total }));
    }
    return out;
  }

  /** Stores a finished request's row and announces it (row first, so min_id fetches find it). */
  recordActivity(row: Omit<ActivityRow, 'id'>, beforeAnnounce?: (id: number) => void): ActivityRow {
    const r = this.activity.add(row);
    beforeAnnounce?.(r.id);
    if (this.wire === 'head') this.events.broadcast('activity', { id: r.id });
    else this.events.broadcast('metrics', [ActivityStore.toLegacy(r, this.captures.has(r.id))]);
    return r;
  }

  broadcastModelStatus(): void {
    this.events.broadcast('modelStatus', modelStatusList(this.rt.cfg, this.rt.procs, this.wire));
  }

  attachLogStream(res: ServerResponse, mon: LogMonitor, noHistory: boolean): void {
    this.logStreams.attach(res, mon, noHistory);
  }

  closeLogStreams(mode: 'end' | 'destroy' = 'end'): number {
    return this.logStreams.closeAll(mode);
  }

  /** Runs fn now, or after unfreeze() while frozen. */
  whenUnfrozen(fn: () => void): void {
    if (this.frozen) this.unfreezeWaiters.push(fn);
    else fn();
  }

  setFrozen(v: boolean): void {
    this.frozen = v;
    this.events.setFrozen(v);
    if (v) this.logStreams.setFrozen(true);
    if (!v) {
      this.logStreams.setFrozen(false);
      const w = this.unfreezeWaiters;
      this.unfreezeWaiters = [];
      for (const fn of w) fn();
    }
  }

  /** SIGHUP: shut the old server object down (streams closed, models stopped), build a new one. */
  reload(config?: SimConfig | string): void {
    const cfg = normalizeConfig(config ?? this.rt.cfg.raw);
    this.events.closeAll('end');
    this.closeLogStreams('end');
    this.teardownRuntime();
    this.rt = this.buildRuntime(cfg);
    this.activeProfile = null;
    this.activity.setMax(cfg.metricsMaxInMemory);
    this.captures.setBudget(cfg.captureBufferBytes);
    this.log('info', 'config reloaded, all models unloaded');
  }

  /** A fresh llama-swap process: new runtime, empty stores and logs, ids from the start. */
  restart(): void {
    this.epoch++;
    this.events.closeAll('destroy');
    this.closeLogStreams('destroy');
    this.teardownRuntime();
    this.activity.reset();
    this.captures.reset();
    this.proxyLog.clear();
    this.upstreamLog.clear();
    this.stdoutLog.clear();
    for (const m of this.modelLogs.values()) m.clear();
    this.perf.reset();
    this.upstreamEnv.speeds.reset();
    this.upstreamEnv.schedules.reset();
    this.activeProfile = null;
    this.rt = this.buildRuntime(normalizeConfig(this.rt.cfg.raw));
    this.perf.start();
    this.log('info', `llama-swap listening (simulated ${this.version})`);
  }

  private teardownRuntime(): void {
    const old = this.rt;
    old.router.shutdown();
    for (const p of old.procs.values()) p.shutdown();
    old.inflight.reset();
  }

  close(): void {
    clearInterval(this.ttlTimer);
    this.perf.stop();
    this.setFrozen(false);
    this.events.closeAll('destroy');
    this.closeLogStreams('destroy');
    this.teardownRuntime();
  }

  private checkTtl(): void {
    const { cfg, procs, router } = this.rt;
    const now = Date.now();
    for (const p of procs.values()) {
      if (p.state !== 'ready') continue;
      const ttl = p.model.ttl < 0 ? cfg.globalTTL : p.model.ttl;
      if (ttl <= 0 || router.counts(p.id).inflight > 0) continue;
      if (now - p.lastUse > ttl * 1000) {
        this.log('info', `<${p.id}> Unloading model, TTL of ${ttl}s reached`);
        void p.stop('ttl').then(() => router.poke());
      }
    }
  }

  private loadSnapshot(): LoadSnapshot {
    const n = Math.max(1, this.o.gpus.count);
    const vramByGpu = new Array<number>(n).fill(0);
    const activeByGpu = new Array<number>(n).fill(0);
    let activeTotal = 0;
    let loaded = 0;
    for (const p of this.rt.procs.values()) {
      if (p.state === 'stopped') continue;
      loaded++;
      const share = p.state === 'starting' ? 0.5 : 1;
      const gpus = p.model.gpus.filter((g) => g < n);
      const active = this.rt.router.counts(p.id).inflight;
      activeTotal += active;
      for (const g of gpus) {
        vramByGpu[g] = (vramByGpu[g] ?? 0) + (p.model.vramMb * share) / gpus.length;
        activeByGpu[g] = (activeByGpu[g] ?? 0) + active;
      }
    }
    return { vramByGpu, activeByGpu, activeTotal, loadedModels: loaded, bytesSent: this.bytesSent, bytesRecv: this.bytesRecv };
  }

  /** GET /api/hardware (v247+): captured once at startup in llama-swap, static here. */
  hardware(): unknown {
    return hardwareSnapshot(this.o, this.startedAt);
  }

  /** Opens /api/events on this host. */
  attachEvents(req: IncomingMessage, res: ServerResponse): void {
    this.events.attach(req, res, () => this.burst());
  }
}
