import type { HostStatus, InflightRequest, ModelState, ProviderKind } from '@boocontrol/contracts';

/** What a connector needs to reach a host. The key never leaves control and is never logged. */
export interface HostTarget {
  id: string;
  baseUrl: string;
  kind: ProviderKind;
  apiKey: string | null;
}

export type Wire = 'head' | 'v235';

export interface HostCapabilities {
  /** v236+: /api/metrics/activity (else the legacy /api/metrics and SSE `metrics`). */
  activityApi: boolean;
  performance: 'on' | 'disabled' | 'absent';
  captures: boolean;
  /** llama-swap's /logs/stream/<id> per-model logs. */
  modelLogs: boolean;
}

export interface ModelSnapshot {
  id: string;
  name: string;
  description: string;
  state: ModelState;
  unlisted: boolean;
  aliases: string[];
  contextLength: number | null;
}

/** One finished request, normalized. Numbers: -1 means unknown (protocol §13.12). */
export interface ActivityRecord {
  upstreamId: number;
  ts: Date;
  model: string;
  path: string;
  status: number;
  contentType: string;
  inputTokens: number;
  outputTokens: number;
  cacheTokens: number;
  draftTokens: number;
  draftAccTokens: number;
  promptTps: number | null;
  genTps: number | null;
  /** Time to first token and llama-server's prompt_ms, ms; null when the host cannot tell (see llama-swap-map.ts). */
  ttftMs: number | null;
  promptMs: number | null;
  durationMs: number;
  error: string | null;
  hasCapture: boolean;
  metadata: Record<string, unknown> | null;
}

export interface SysSample {
  ts: Date;
  cpuPct: number;
  memUsedMb: number;
  memTotalMb: number;
}

export interface GpuSample {
  ts: Date;
  gpu: number;
  name: string;
  utilPct: number;
  memUsedMb: number;
  memTotalMb: number;
  tempC: number;
  powerW: number;
}

/**
 * The normalized stream a connector produces. Ingest (fleet/ingest.ts) turns it into fleet
 * state, persisted rows and live frames; connectors never touch those directly.
 */
export type HostEvent =
  | { type: 'status'; status: HostStatus; reason: string | null; error?: string | null }
  /** A (re)connect: the host's live state is replaced from here on (gotcha 1). */
  | { type: 'connected'; version: string | null; wire: Wire | null; capabilities: HostCapabilities | null }
  | { type: 'models'; models: ModelSnapshot[] }
  | { type: 'inflight'; op: 'snapshot'; requests: InflightRequest[] }
  | { type: 'inflight'; op: 'upsert'; request: InflightRequest }
  | { type: 'inflight'; op: 'remove'; id: string }
  | { type: 'inflight'; op: 'total'; total: number }
  | { type: 'activity'; epoch: number; rows: ActivityRecord[] }
  | { type: 'perf'; sys: SysSample[]; gpus: GpuSample[] }
  /** `history` marks the replay a fresh connection starts with (it overlaps what we have). */
  | { type: 'log'; source: string; text: string; history: boolean }
  | { type: 'epoch'; epoch: number; reason: string };

export type EmitFn = (ev: HostEvent) => void;

/** Where the connector keeps its place in the host's activity ids across reconnects and restarts. */
export interface ActivityCursor {
  epoch: number;
  /** Highest upstream id stored for this epoch, or null when none. */
  lastId: number | null;
  /** Identity of that row, to tell a restart (ids reused) from a plain reconnect. */
  lastFingerprint: string | null;
}

export interface CursorStore {
  load(hostId: string): Promise<ActivityCursor>;
  /** Persists a new epoch for the host (restart detected) and returns it. */
  bumpEpoch(hostId: string): Promise<number>;
}

export interface ConnectorLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ConnectorTimings {
  /** Liveness probe period and timeout: a host that does not answer within it is offline. */
  probeEveryMs: number;
  probeTimeoutMs: number;
  /** Reconciliation period (gotcha 6: silent drops). */
  reconcileEveryMs: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Backoff steps: 1, 2, 4, then 5 s, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  backoffJitter: number;
  /** Wait after an `activity` event before paging, so a burst shares one request. */
  activityDebounceMs: number;
  /** openai kind: poll period. */
  pollEveryMs: number;
  maxEventBytes: number;
}

export const DEFAULT_TIMINGS: ConnectorTimings = {
  probeEveryMs: 1000,
  probeTimeoutMs: 2000,
  reconcileEveryMs: 30_000,
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 5000,
  backoffJitter: 0.2,
  activityDebounceMs: 15,
  pollEveryMs: 2000,
  maxEventBytes: 16 * 1024 * 1024,
};

export interface ConnectorDeps {
  target: HostTarget;
  emit: EmitFn;
  cursors: CursorStore;
  /** Named counters (ctx.counters): rejected payloads, reconnects, reconciliation fixes… */
  count(name: string, by?: number): void;
  log: ConnectorLogger;
  timings: ConnectorTimings;
}

/** One remote kind. `run` returns when `signal` aborts; it handles its own reconnects. */
export interface Connector {
  run(signal: AbortSignal): Promise<void>;
  /** Opens a per-model log stream (llama-swap /logs/stream/<id>) until `signal` aborts. */
  followModelLog?(model: string, signal: AbortSignal, onText: (text: string) => void): Promise<void>;
  /** Fetches a capture by upstream id; undefined when the host no longer has it. */
  fetchCapture?(upstreamId: number): Promise<unknown | undefined>;
}
