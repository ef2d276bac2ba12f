import { z } from 'zod';
import { JobSchema, JobStatusSchema } from '../jobs';
import { BENCH_LIMITS, BenchLatencyMetricSchema, BenchPercentileSchema, BenchRunRequestSchema } from './bench';

/** Point indexes run from 0 to one below the most levels a driver may have. */
const BENCH_POINT_INDEX_MAX = BENCH_LIMITS.maxLevels - 1;

/**
 * Speed benchmark results (issue 11). Latencies are milliseconds on a monotonic clock; token
 * counts come from the server (`usage`, else `timings`), never from the client.
 */

/** A distribution over a point's measured requests (pooled over its repetitions). */
export const BenchDistSchema = z.object({
  n: z.number().int(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type BenchDist = z.infer<typeof BenchDistSchema>;

/** A figure measured once per repetition: mean ± sample stddev and the coefficient of variation. */
export const BenchRepStatSchema = z.object({
  mean: z.number().nullable(),
  std: z.number().nullable(),
  /** std / mean; null with fewer than two repetitions. */
  cv: z.number().nullable(),
  values: z.array(z.number().nullable()),
});
export type BenchRepStat = z.infer<typeof BenchRepStatSchema>;

export const BenchSloResultSchema = z.object({
  metric: BenchLatencyMetricSchema,
  percentile: BenchPercentileSchema,
  maxMs: z.number(),
  /** The point's percentile; null when no request succeeded. */
  valueMs: z.number().nullable(),
  met: z.boolean(),
});

export const BenchPointFlagsSchema = z.object({
  /** Some repetition figure (output tok/s, TTFT p50, TPOT p50) varies by more than 5 % CV. */
  noisy: z.boolean(),
  /** A prompt cache served > 10 % of prompt tokens although the workload meant to defeat it. */
  contaminated: z.boolean(),
  /** Client-counted token events differ from the server's count by more than 1 %. */
  tokenCountDivergent: z.boolean(),
  /** `ignore_eos` was asked for but some outputs stopped short of max_tokens (server ignored it). */
  ignoreEosIgnored: z.boolean(),
  /** More than 1 % of inter-chunk gaps were below 0.1 ms (coalesced reads: ITL p50 is unreliable). */
  coalescedChunks: z.boolean(),
  /** Requests were shed with 429 (the model's concurrency limit), reported apart from latency. */
  shedding: z.boolean(),
  /** Requests that were not the bench's own reached the host during the point (live traffic). */
  foreignTraffic: z.boolean().default(false),
});
export type BenchPointFlags = z.infer<typeof BenchPointFlagsSchema>;

export const BenchPointSchema = z.object({
  index: z.number().int(),
  /** concurrency (closed loop) or requests/s (open loop) */
  level: z.number(),
  driver: z.enum(['concurrency', 'rate']),
  repetitions: z.number().int(),
  /** wall-clock start of the point (metadata only: every duration uses the monotonic clock) */
  startedAt: z.string(),
  measuredS: z.number(),
  requests: z.object({
    /** scheduled inside a measured window */
    measured: z.number().int(),
    succeeded: z.number().int(),
    errors: z.number().int(),
    shed: z.number().int(),
    /** every request the point sent, warmup and cooldown included (for the foreign-traffic check) */
    sent: z.number().int().default(0),
  }),
  /** Requests on the host during the point that were not the bench's own (flags.foreignTraffic). */
  foreignRequests: z.number().int().default(0),
  errorRate: z.number(),
  shedRate: z.number(),
  /** up to the first content or reasoning token, from the send */
  ttftMs: BenchDistSchema,
  /** the same from the scheduled time (includes client queueing) */
  ttftSchedMs: BenchDistSchema,
  /** response headers */
  ttfbMs: BenchDistSchema,
  /** first visible `content` token (differs from TTFT on reasoning models) */
  ttfoMs: BenchDistSchema,
  /** (E2E − TTFT) / (N_out − 1), per request (vLLM TPOT) */
  tpotMs: BenchDistSchema,
  /** gaps between successive token chunks, pooled over requests (vLLM ITL) */
  itlMs: BenchDistSchema,
  e2eMs: BenchDistSchema,
  e2eSchedMs: BenchDistSchema,
  /** scheduled → sent */
  queueMs: BenchDistSchema,
  /** output tokens arriving inside the measured windows per second */
  outputTps: BenchRepStatSchema,
  /** prompt + output tokens per second */
  totalTps: BenchRepStatSchema,
  /** requests completed per second */
  requestRate: BenchRepStatSchema,
  ttftP50Ms: BenchRepStatSchema,
  tpotP50Ms: BenchRepStatSchema,
  /** per request, from `timings`: prompt_n / prompt_ms and predicted_per_second */
  serverPromptTps: BenchDistSchema,
  serverGenTps: BenchDistSchema,
  inputTokensMean: z.number().nullable(),
  outputTokensMean: z.number().nullable(),
  /** Σ cache_n / Σ (cache_n + prompt_n) */
  cacheHitRatio: z.number().nullable(),
  /** the same over follow-up turns only (shared-prefix workload) */
  followUpCacheHitRatio: z.number().nullable(),
  tokenSource: z.enum(['usage', 'timings', 'none']),
  goodput: z.object({ rps: z.number(), fraction: z.number() }),
  slo: z.object({ met: z.boolean(), margin: z.number().nullable(), results: z.array(BenchSloResultSchema) }),
  flags: BenchPointFlagsSchema,
  /** the first few distinct error messages, for the report */
  errorSamples: z.array(z.string()),
});
export type BenchPoint = z.infer<typeof BenchPointSchema>;

export const BenchKneeSchema = z.object({
  status: z.enum(['ok', 'no_knee']),
  reason: z.string(),
  /** intersection of the two fitted segments (may be fractional) */
  knee: z.number().nullable(),
  /** first measured level at or above the knee */
  saturationLevel: z.number().nullable(),
  breakpointLevel: z.number().nullable(),
  slopeRatio: z.number().nullable(),
  fitImprovement: z.number().nullable(),
  throughputFraction: z.number().nullable(),
});
export type BenchKnee = z.infer<typeof BenchKneeSchema>;

export const BenchCapacitySchema = z.object({
  /** highest level such that it and every level below it met the SLOs; null when none did */
  maxLevel: z.number().nullable(),
  /** first level that failed above maxLevel */
  firstFailingLevel: z.number().nullable(),
  /** linear root of the SLO margin between the two (null without a bracket) */
  interpolatedLevel: z.number().nullable(),
});
export type BenchCapacity = z.infer<typeof BenchCapacitySchema>;

export const BenchSummarySchema = z.object({
  knee: BenchKneeSchema,
  capacity: BenchCapacitySchema,
  peakOutputTps: z.number().nullable(),
});
export type BenchSummary = z.infer<typeof BenchSummarySchema>;

/** One request as recorded (a bounded sample of them is stored per point). Times in ms from the point start. */
export const BenchSampleSchema = z.object({
  seq: z.number().int(),
  /** repetition window index, or null for warmup/cooldown */
  rep: z.number().int().nullable(),
  user: z.number().int(),
  turn: z.number().int().nullable(),
  tSched: z.number(),
  tSent: z.number(),
  tFirstByte: z.number().nullable(),
  tFirstContent: z.number().nullable(),
  tLastToken: z.number().nullable(),
  tDone: z.number().nullable(),
  /** arrival of every token-bearing chunk */
  chunkTimes: z.array(z.number()),
  status: z.number().int().nullable(),
  errorKind: z.enum(['http', 'shed', 'stream', 'timeout', 'network', 'aborted']).nullable(),
  error: z.string().nullable(),
  finishReason: z.string().nullable(),
  maxTokens: z.number().int(),
  promptTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  clientTokens: z.number().int(),
  usage: z.record(z.string(), z.unknown()).nullable(),
  timings: z.record(z.string(), z.unknown()).nullable(),
});
export type BenchSample = z.infer<typeof BenchSampleSchema>;

export const BenchRunStatusSchema = JobStatusSchema;
export type BenchRunStatus = z.infer<typeof BenchRunStatusSchema>;

export const BenchRunSchema = z.object({
  id: z.string(),
  jobId: z.string().nullable(),
  hostId: z.string().nullable(),
  model: z.string().nullable(),
  status: BenchRunStatusSchema,
  spec: BenchRunRequestSchema,
  points: z.array(BenchPointSchema),
  summary: BenchSummarySchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type BenchRun = z.infer<typeof BenchRunSchema>;

/** Progress of a running bench, for job detail and the live view. */
export const BenchProgressSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('point-started'), index: z.number().int(), level: z.number(), of: z.number().int() }),
  z.object({
    type: z.literal('phase'),
    index: z.number().int(),
    phase: z.enum(['warmup', 'measure', 'cooldown', 'drain']),
    rep: z.number().int().nullable(),
  }),
  z.object({ type: z.literal('requests'), index: z.number().int(), done: z.number().int(), errors: z.number().int(), shed: z.number().int(), inflight: z.number().int() }),
]);
export type BenchProgress = z.infer<typeof BenchProgressSchema>;

/**
 * The live state of one bench run, on the `bench` WS topic (and in its snapshot while the run
 * is active): where it is (point i of n, phase), its request counters, and the figures of the
 * last finished point (TTFT p50, output tok/s) so the view can draw as it goes.
 */
export const BenchLiveFrameSchema = z.object({
  runId: z.string(),
  jobId: z.string().nullable(),
  hostId: z.string(),
  model: z.string(),
  status: BenchRunStatusSchema,
  index: z.number().int().nullable(),
  of: z.number().int(),
  level: z.number().nullable(),
  phase: z.enum(['ready-check', 'warmup', 'measure', 'cooldown', 'drain', 'done']),
  requests: z.object({ done: z.number().int(), errors: z.number().int(), shed: z.number().int(), inflight: z.number().int() }),
  lastPoint: z.object({ index: z.number().int(), level: z.number(), ttftP50Ms: z.number().nullable(), outputTps: z.number().nullable() }).nullable(),
  at: z.string(),
});
export type BenchLiveFrame = z.infer<typeof BenchLiveFrameSchema>;

/** POST /api/control/bench/runs → 202: the run and the job that carries it. */
export const BenchRunAcceptedSchema = z.object({ runId: z.string(), job: JobSchema });
export const BenchRunListQuerySchema = z.object({
  host: z.string().optional(),
  model: z.string().optional(),
  status: BenchRunStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const BenchRunParamsSchema = z.object({ id: z.string().min(1).max(100) });

/** A run in a listing: everything but the points (a list of 50 runs stays small), and their count. */
export const BenchRunListItemSchema = BenchRunSchema.omit({ points: true }).extend({ pointCount: z.number().int() });
export type BenchRunListItem = z.infer<typeof BenchRunListItemSchema>;
export const BenchRunListSchema = z.object({ runs: z.array(BenchRunListItemSchema) });

/** GET /api/control/bench/runs/:id/points/:idx/samples: one point's stored requests (bounded per point). */
export const BenchPointParamsSchema = BenchRunParamsSchema.extend({ idx: z.coerce.number().int().min(0).max(BENCH_POINT_INDEX_MAX) });
export const BenchSampleListSchema = z.object({
  runId: z.string(),
  index: z.number().int(),
  level: z.number(),
  /** the point's requests in send order, warmup and cooldown included (their `rep` is null) */
  samples: z.array(BenchSampleSchema),
});
export type BenchSampleList = z.infer<typeof BenchSampleListSchema>;
export const BenchFormatQuerySchema = z.object({ format: z.enum(['json', 'csv']).default('json') });
export const BenchCompareQuerySchema = z.object({
  ids: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(1).max(100)).min(2).max(8)),
  format: z.enum(['json', 'csv']).default('json'),
});
export const BenchCompareSchema = z.object({ runs: z.array(BenchRunSchema) });

export const LeaseSchema = z.object({
  hostId: z.string(),
  owner: z.string(),
  purpose: z.string(),
  token: z.number().int(),
  acquiredAt: z.string(),
  expiresAt: z.string(),
});
export const LeaseListSchema = z.object({ leases: z.array(LeaseSchema) });
