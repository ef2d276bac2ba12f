// Public types of @boocontrol/sim. Names here are a stable API: connectors and tests import them.
import type { SyntheticRequest } from './synthetic';
import type { LlamaServerProfile, ScheduledRequest, SimSchedule, SimScript, SimVariance } from './timing';

export type Wire = 'head' | 'v235';
export type { LlamaServerProfile, ScheduledRequest, SimSchedule, SimScheduleStep, SimScript, SimScriptRequest, SimScriptRule, SimVariance } from './timing';

/** llama-swap `capabilities` (config form) or a plain capability→boolean record. */
export interface SimCapabilities {
  in?: Array<'text' | 'image' | 'audio'>;
  out?: Array<'text' | 'image' | 'audio'>;
  tools?: boolean;
  reranker?: boolean;
  context?: number;
}

/** One model. Instead of `cmd`, the upstream llama-server is simulated from these figures. */
export interface SimModelConfig {
  name?: string;
  description?: string;
  aliases?: string[];
  unlisted?: boolean;
  /** seconds; -1 (default) = use globalTTL; 0 = never */
  ttl?: number;
  /** 0 (default) = 10 */
  concurrencyLimit?: number;
  capabilities?: SimCapabilities;
  metadata?: Record<string, unknown>;
  /** simulated load time of the upstream process (ms), default 2000 */
  loadMs?: number;
  /** simulated stop time (ms), default 50 */
  stopMs?: number;
  /** prompt processing speed, tokens/s, default 1000 */
  promptTps?: number;
  /** generation speed per request, tokens/s, default 50 */
  genTps?: number;
  /** llama-server n_ctx, default 8192 */
  contextLength?: number;
  /** VRAM the loaded model occupies, MB, default 4096 */
  vramMb?: number;
  /** GPU indices the model is spread over (default: [0]) */
  gpus?: number[];
  /** the upstream is an embedding server (completions → 501) */
  embedding?: boolean;
  /** embedding width, default 384 */
  embeddingDim?: number;
  /** every load of this model fails ("upstream command exited prematurely") */
  failLoad?: boolean;
  /** llama-server response shapes to serve (default: the host's, else `current`) */
  llamaServer?: LlamaServerProfile;
  /** seeded per-request speed variance (default: the host's, else none) */
  variance?: SimVariance;
  /** fixed first-token time and chunk gaps per request; overrides speeds, variance and slowTokens */
  schedule?: SimSchedule;
  /** scripted answers by prompt match (eval harnesses): the reply text replaces the pseudo-words */
  script?: SimScript;
  /** accepted and ignored, so real llama-swap configs load */
  cmd?: string;
  proxy?: string;
  checkEndpoint?: string;
  [extra: string]: unknown;
}

export interface SimGroupConfig {
  swap?: boolean;
  exclusive?: boolean;
  persistent?: boolean;
  members: string[];
}

export interface SimProfileConfig {
  description?: string;
  pins: Record<string, string | null>;
}

/** A llama-swap-like config. Unknown keys are ignored. */
export interface SimConfig {
  models: Record<string, SimModelConfig>;
  groups?: Record<string, SimGroupConfig>;
  routing?: {
    router?: { use?: string; settings?: { groups?: Record<string, SimGroupConfig> } };
    scheduler?: { use?: string; settings?: { fifo?: { priority?: Record<string, number> } } };
  };
  apiKeys?: string[];
  /** seconds, default 120, raised to at least 15 */
  healthCheckTimeout?: number;
  metricsMaxInMemory?: number;
  /** MB, default 5, 0 disables captures */
  captureBuffer?: number;
  globalTTL?: number;
  logToStdout?: 'proxy' | 'upstream' | 'both' | 'none';
  includeAliasesInList?: boolean;
  ui?: { activity?: { session_id?: string[] } };
  profiles?: Record<string, SimProfileConfig>;
  performance?: { disabled?: boolean; every?: string | number };
  upstream?: { ignorePaths?: string[] };
  [extra: string]: unknown;
}

export interface SimGpuSpec {
  /** number of GPUs (0 = CPU-only host: gpu_stats stays null) */
  count: number;
  name?: string;
  /** VRAM per GPU in MB */
  totalMb?: number;
  /** board power limit, W */
  powerLimitW?: number;
}

export interface SimHostOptions {
  /** 0 or absent = ephemeral; the host always binds 127.0.0.1 */
  port?: number;
  seed?: number;
  wire?: Wire;
  /** config object or YAML text */
  config?: SimConfig | string;
  /** /api/version "version"; defaults to "v250" (head) or "v235" */
  version?: string;
  gpus?: SimGpuSpec;
  /** performance sampling interval; default 5000 */
  perfEveryMs?: number;
  /** CPU cores reported in sys_stats, default 8 */
  cpuCores?: number;
  /** system RAM in MB, default 65536 */
  memTotalMb?: number;
  /** a label used in logs and the admin state */
  name?: string;
  /** llama-server response shapes of every model without its own `llamaServer`, default `current` */
  llamaServer?: LlamaServerProfile;
  /** per-request speed variance of every model without its own `variance`; default none (exact speeds) */
  variance?: SimVariance;
}

export type ProcessState = 'stopped' | 'starting' | 'ready' | 'stopping';

export interface SimModelState {
  id: string;
  state: ProcessState;
  inflight: number;
  queued: number;
}

export type FaultKind =
  | 'dropEvents'
  | 'dropLogStreams'
  | 'reload'
  | 'restart'
  | 'freeze'
  | 'unfreeze'
  | 'errorBurst'
  | 'crashModel'
  | 'slowTokens'
  | 'malformedEvent'
  | 'longLogLine'
  | 'failLoad'
  | 'heatGpus'
  | 'clear';

export type MalformedKind = 'envelope' | 'inner' | 'unknownType' | 'truncated';

export interface SimFaults {
  /** Closes every /api/events stream (`end` = clean chunked end, `destroy` = TCP reset). Returns how many. */
  dropEventStreams(mode?: 'end' | 'destroy'): number;
  /** Closes every /logs/stream connection. */
  dropLogStreams(mode?: 'end' | 'destroy'): number;
  /** Config reload: closes streams, unloads every model, restarts inflight ids; optional new config. */
  reload(config?: SimConfig | string): Promise<void>;
  /** Process restart: all connections dropped, ids reset to the start, stores cleared, all unloaded. */
  restart(opts?: { downMs?: number }): Promise<void>;
  /** Accept connections but never answer (and stall open streams) until unfreeze(). */
  freeze(): void;
  unfreeze(): void;
  readonly frozen: boolean;
  /** The next `count` inference requests get `status` (default 500) from llama-swap. */
  errorBurst(count: number, status?: number, message?: string): void;
  /** A ready model's process exits on its own: ready → stopped, in-flight connections break. */
  crashModel(model: string): boolean;
  /** Multiplies token intervals (and prompt time); 1 restores. Without model: every model. */
  slowTokens(multiplier: number, model?: string): void;
  /** Writes one malformed frame to every /api/events stream. */
  malformedEvent(kind: MalformedKind): number;
  /** Writes a single log line of `bytes` (default 1.5 MiB) to the proxy or upstream log. */
  longLogLine(bytes?: number, source?: 'proxy' | 'upstream'): void;
  /** The next `count` loads of `model` fail (default: every load until cleared). */
  failLoad(model: string, count?: number): void;
  /** Every GPU reports `celsius` from the next perf sample on; null returns to load-driven temperatures. */
  heatGpus(celsius: number | null): void;
  /** Clears error bursts, slow tokens, load failures, GPU heat and unfreezes. */
  clear(): void;
}

export interface SimHost {
  readonly url: string;
  readonly port: number;
  readonly wire: Wire;
  readonly seed: number;
  readonly name: string;
  /** the current normalized config (changes on reload) */
  readonly config: NormalizedConfigView;
  readonly faults: SimFaults;
  /** state of every configured model */
  models(): SimModelState[];
  /** number of open /api/events streams */
  eventStreams(): number;
  /** write a line to the proxy log (as llama-swap would) */
  log(line: string, source?: 'proxy' | 'upstream'): void;
  /**
   * Records a finished chat request on a ready model without the HTTP round trip (load for
   * benchmarks): in-flight upsert/remove, log lines, the activity row and its event. The activity
   * id, or null when the model is not ready.
   */
  synthesize(request: SyntheticRequest): number | null;
  /** What every request to a model with a `schedule` was scheduled to do (oldest first, last 10,000). */
  scheduleLog(): ScheduledRequest[];
  close(): Promise<void>;
}

export interface NormalizedConfigView {
  readonly models: ReadonlyMap<string, Readonly<NormalizedModel>>;
  readonly apiKeys: readonly string[];
}

export interface NormalizedModel {
  id: string;
  name: string;
  description: string;
  aliases: string[];
  unlisted: boolean;
  ttl: number;
  concurrencyLimit: number;
  capabilities: SimCapabilities | null;
  metadata: Record<string, unknown>;
  loadMs: number;
  stopMs: number;
  promptTps: number;
  genTps: number;
  contextLength: number;
  vramMb: number;
  gpus: number[];
  embedding: boolean;
  embeddingDim: number;
  failLoad: boolean;
  group: string;
  llamaServer: LlamaServerProfile | null;
  variance: SimVariance | null;
  schedule: SimSchedule | null;
  script: SimScript | null;
}
