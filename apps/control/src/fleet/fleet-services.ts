import type { ControlContext } from '../context';
import { ActivityRepo } from '../activity/activity.repo';
import { ActivityService } from '../activity/activity.service';
import { CapturesRepo } from '../captures/captures.repo';
import { CapturesService } from '../captures/captures.service';
import { DEFAULT_TIMINGS, type ConnectorTimings, type CursorStore } from '../connectors';
import { fingerprint } from '../connectors/kinds/llama-swap-map';
import { LogsService } from '../logs/logs.service';
import { LogsRepo } from '../logs/logs.repo';
import { LogStore } from '../logs/log-store';
import { ModelsService } from '../models/models.service';
import { LoadStatsRepo, TransitionsRepo } from '../models/transitions.repo';
import { PerfRepo } from '../perf/perf.repo';
import { PerfService } from '../perf/perf.service';
import { RetentionService } from '../retention/retention.service';
import { HostRegistry } from './host-registry';
import { FleetIngest } from './ingest';
import { PersistenceWriter } from './writer';

export interface FleetOptions {
  timings?: Partial<ConnectorTimings>;
  writer?: { maxQueue?: number; maxBatch?: number; retryBaseMs?: number; retryMaxMs?: number };
  retention?: { rollupEveryMs?: number; pruneEveryMs?: number; disabled?: boolean };
  logs?: { maxChars?: number; flushEveryMs?: number; persistEveryMs?: number };
}

/** Everything the live-fleet lanes share, built once per control instance. */
export interface FleetServices {
  options: FleetOptions;
  registry: HostRegistry;
  writer: PersistenceWriter;
  ingest: FleetIngest;
  logs: LogsService;
  /** Persists logs (control_logs) and loads them back at start. */
  logStore: LogStore;
  activity: ActivityService;
  captures: CapturesService;
  perf: PerfService;
  models: ModelsService;
  retention: RetentionService;
  repos: { activity: ActivityRepo; perf: PerfRepo; transitions: TransitionsRepo; captures: CapturesRepo; logs: LogsRepo };
}

/**
 * Builds the fleet services of one control instance. Called once, by the fleet feature in the
 * composition root (control.ts), which hands them to the features that need them (actions).
 */
export function buildFleetServices(ctx: ControlContext, options: FleetOptions = {}): FleetServices {
  const db = ctx.dbState.db;
  const cfg = ctx.config;
  const counters = ctx.counters;
  const count = (name: string, by = 1) => counters.inc(name, by);
  const repos = {
    activity: new ActivityRepo(db),
    perf: new PerfRepo(db),
    transitions: new TransitionsRepo(db),
    captures: new CapturesRepo(db),
    logs: new LogsRepo(db),
  };
  const activity = new ActivityService(repos.activity);
  ctx.live.activity(activity);
  const writer = new PersistenceWriter({
    activity: repos.activity,
    transitions: repos.transitions,
    perf: repos.perf,
    onActivityStored: (rows) => ctx.bus.publish({ type: 'activity.stored', rows }),
    onTransitionsStored: (rows) => ctx.bus.publish({ type: 'transitions.stored', rows }),
    onPerfStored: (rows) => ctx.bus.publish({ type: 'perf.stored', rows }),
    count,
    // Counters are monotonic; a gauge is kept as the difference to its last value.
    gauge: (name, value) => counters.inc(name, value - counters.get(name)),
    log: ctx.log,
    ...options.writer,
  });
  // Forward references: the registry needs logs (model log streams) and logs needs the registry.
  let registry: HostRegistry | undefined;
  const logs = new LogsService({
    bus: ctx.bus,
    watching: (topic) => ctx.live.watching(topic),
    ...options.logs,
    hostExists: (id) => registry?.has(id) ?? false,
    followModel: (hostId, model, signal, onText) => registry?.connector(hostId)?.followModelLog?.(model, signal, onText),
  });
  const ingest = new FleetIngest({ fleet: ctx.fleet, write: (items) => writer.enqueueMany(items), log: (h, src, text, history) => logs.append(h, src, text, history) });
  const cursors: CursorStore = {
    async load(hostId) {
      const epoch = await ctx.hostsRepo.epochOf(hostId);
      const last = await repos.activity.lastOf(hostId, epoch);
      return { epoch, lastId: last?.upstreamId ?? null, lastFingerprint: last ? fingerprint(last) : null };
    },
    bumpEpoch: (hostId) => ctx.hostsRepo.bumpEpoch(hostId),
  };
  ctx.live.logs(logs);
  registry = new HostRegistry({
    repo: ctx.hostsRepo,
    fleet: ctx.fleet,
    cursors,
    providers: cfg.LLAMA_PROVIDERS,
    secretsDir: cfg.SECRETS_DIR,
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    log: ctx.log,
    count,
    onEvent: (id, ev) => ingest.apply(id, ev),
    onTrack: (id, epoch) => ingest.track(id, epoch),
    onForget: (id) => {
      ingest.forget(id);
      logs.removeHost(id);
    },
  });
  const reg = registry;
  const logStore = new LogStore({
    repo: repos.logs,
    bus: ctx.bus,
    retentionDays: cfg.RETENTION_LOG_DAYS,
    maxCharsPerSource: cfg.LOG_MAX_MB_PER_SOURCE * 1024 * 1024,
    count,
    log: ctx.log,
    ...(options.logs?.persistEveryMs ? { flushEveryMs: options.logs.persistEveryMs } : {}),
  });
  return {
    logStore,
    options,
    registry: reg,
    writer,
    ingest,
    logs,
    activity,
    captures: new CapturesService({
      repo: repos.captures,
      activity: repos.activity,
      host: (id) => {
        const connector = reg.connector(id);
        const host = ctx.fleet.get(id);
        return connector && host ? { connector, epoch: host.epoch } : undefined;
      },
      maxRowBytes: cfg.CAPTURE_MAX_ROW_BYTES,
      totalBudgetBytes: cfg.CAPTURE_TOTAL_BUDGET_MB * 1024 * 1024,
      count,
    }),
    perf: new PerfService(repos.perf, cfg.RETENTION_PERF_RAW_HOURS, (id) => ctx.fleet.get(id) !== undefined),
    models: new ModelsService(ctx.fleet, repos.activity, repos.transitions, new LoadStatsRepo(db)),
    retention: new RetentionService({
      perf: repos.perf,
      activity: repos.activity,
      transitions: repos.transitions,
      captures: repos.captures,
      settings: {
        perfRawHours: cfg.RETENTION_PERF_RAW_HOURS,
        perfRollupDays: cfg.RETENTION_PERF_ROLLUP_DAYS,
        activityDays: cfg.RETENTION_ACTIVITY_DAYS,
        captureBudgetBytes: cfg.CAPTURE_TOTAL_BUDGET_MB * 1024 * 1024,
      },
      log: ctx.log,
    }),
    repos,
  };
}
