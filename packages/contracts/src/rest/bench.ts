import { z } from 'zod';
import { ActionHostIdSchema, ModelIdSchema } from './actions';

/**
 * Speed benchmarks (issue 11): what a run asks for. Metric definitions follow
 * shared/reference/bench-eval-methodology.md §1 (vLLM TPOT, per-chunk ITL, TTFT at the first
 * content or reasoning token). Results are in ./bench-result.ts.
 *
 * Every limit here exists so that a typo cannot start a run that floods a host or never ends;
 * a spec outside them is refused with BENCH_INVALID_SPEC before anything is sent.
 */
export const BENCH_LIMITS = {
  maxConcurrency: 512,
  maxLevels: 16,
  maxRate: 1000,
  maxInputTokens: 131_072,
  maxOutputTokens: 32_768,
  maxRepetitions: 20,
  maxTurns: 64,
  maxJsonlBytes: 8 * 1024 * 1024,
  maxJsonlLines: 10_000,
  maxWindowS: 3600,
  maxSlos: 8,
} as const;

const ascending = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] as number));

/** Closed loop: N virtual users, each sends its next request when the previous one is done. */
export const ConcurrencyDriverSchema = z.strictObject({
  kind: z.literal('concurrency'),
  levels: z
    .array(z.number().int().min(1).max(BENCH_LIMITS.maxConcurrency))
    .min(1)
    .max(BENCH_LIMITS.maxLevels)
    .refine(ascending, 'levels must be strictly ascending (the knee and capacity search read them in order)')
    .default([1, 2, 4, 8, 16, 32]),
});

/**
 * Open loop: arrivals at `rate` requests/s with gamma-distributed gaps (shape = burstiness;
 * 1 = Poisson, < 1 burstier, > 1 more even), as vLLM `--burstiness`. `maxConcurrency` is a
 * client-side cap; time spent waiting for it is reported as client queue time, never hidden.
 */
export const RateDriverSchema = z.strictObject({
  kind: z.literal('rate'),
  rates: z
    .array(z.number().positive().max(BENCH_LIMITS.maxRate))
    .min(1)
    .max(BENCH_LIMITS.maxLevels)
    .refine(ascending, 'rates must be strictly ascending'),
  burstiness: z.number().min(0.05).max(20).default(1),
  maxConcurrency: z.number().int().min(1).max(BENCH_LIMITS.maxConcurrency).default(BENCH_LIMITS.maxConcurrency),
});

export const BenchDriverSchema = z.discriminatedUnion('kind', [ConcurrencyDriverSchema, RateDriverSchema]);
export type BenchDriver = z.infer<typeof BenchDriverSchema>;

const InputTokens = z.number().int().min(1).max(BENCH_LIMITS.maxInputTokens);
const OutputTokens = z.number().int().min(1).max(BENCH_LIMITS.maxOutputTokens);

/**
 * Synthetic prompts of a given length. Every prompt starts with a unique nonce so a warm prompt
 * cache cannot inflate prompt speed; `cold` also sends `cache_prompt: false` (the llama-bench
 * pp comparison). `ignoreEos` asks the server to generate exactly `outputTokens` — servers may
 * ignore it, so the count is always checked against `usage`.
 */
export const SyntheticWorkloadSchema = z.strictObject({
  kind: z.literal('synthetic'),
  inputTokens: InputTokens.default(256),
  outputTokens: OutputTokens.default(128),
  cold: z.boolean().default(false),
  ignoreEos: z.boolean().default(true),
});

/** Multi-turn conversations sharing one system prefix: measures KV reuse through `timings.cache_n`. */
export const SharedPrefixWorkloadSchema = z
  .strictObject({
    kind: z.literal('shared-prefix'),
    prefixTokens: z.number().int().min(0).max(BENCH_LIMITS.maxInputTokens).default(512),
    turnTokens: InputTokens.default(64),
    outputTokens: OutputTokens.default(64),
    turns: z.number().int().min(2).max(BENCH_LIMITS.maxTurns).default(4),
    ignoreEos: z.boolean().default(true),
  })
  .refine((w) => w.prefixTokens + w.turns * (w.turnTokens + w.outputTokens) <= BENCH_LIMITS.maxInputTokens, {
    message: `a whole conversation must fit in ${BENCH_LIMITS.maxInputTokens} tokens`,
    path: ['turns'],
  });

/**
 * User prompts, one JSON object per line: `{"prompt": "…"}` or `{"messages": [{role, content}]}`,
 * optionally with `max_tokens`. A bad line is refused with BENCH_BAD_JSONL naming the line.
 */
export const JsonlWorkloadSchema = z.strictObject({
  kind: z.literal('jsonl'),
  jsonl: z.string().min(1).max(BENCH_LIMITS.maxJsonlBytes),
  outputTokens: OutputTokens.default(128),
  cold: z.boolean().default(false),
  ignoreEos: z.boolean().default(false),
});

export const BenchWorkloadSchema = z.discriminatedUnion('kind', [SyntheticWorkloadSchema, SharedPrefixWorkloadSchema, JsonlWorkloadSchema]);
export type BenchWorkload = z.infer<typeof BenchWorkloadSchema>;

/** One JSONL line, validated. */
export const JsonlPromptSchema = z.union([
  z.object({ prompt: z.string().min(1), max_tokens: OutputTokens.optional() }),
  z.object({
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
    max_tokens: OutputTokens.optional(),
  }),
]);
export type JsonlPrompt = z.infer<typeof JsonlPromptSchema>;

/**
 * Time windows per point, GuideLLM-style: warmup and cooldown run the same load but are excluded
 * by time. `measureS` is the whole measured time of a point; it is split into `repetitions`
 * equal consecutive windows (llama-bench -r), so repetitions cost no extra warmups.
 */
export const BenchWindowSchema = z.strictObject({
  warmupS: z.number().min(0).max(600).default(5),
  measureS: z.number().min(0.2).max(BENCH_LIMITS.maxWindowS).default(60),
  cooldownS: z.number().min(0).max(600).default(2),
});
export type BenchWindow = z.infer<typeof BenchWindowSchema>;

/**
 * Latency metrics an SLO can bound. `ttft`/`e2e` run from the send; the `…Sched` forms from the
 * scheduled time, so they include client queueing (coordinated-omission-free).
 */
export const BenchLatencyMetricSchema = z.enum(['ttft', 'ttftSched', 'tpot', 'itl', 'e2e', 'e2eSched']);
export type BenchLatencyMetric = z.infer<typeof BenchLatencyMetricSchema>;
export const BenchPercentileSchema = z.union([z.literal(50), z.literal(90), z.literal(95), z.literal(99)]);

/**
 * "p<percentile> of <metric> ≤ maxMs" over a point. For goodput each request is held to
 * `maxMs` itself (vLLM --goodput); the percentile applies to the point verdict.
 */
export const BenchSloSchema = z.strictObject({
  metric: BenchLatencyMetricSchema,
  percentile: BenchPercentileSchema,
  maxMs: z.number().positive().max(3_600_000),
});
export type BenchSlo = z.infer<typeof BenchSloSchema>;

export const DEFAULT_BENCH_SLOS: BenchSlo[] = [
  { metric: 'ttft', percentile: 99, maxMs: 2000 },
  { metric: 'tpot', percentile: 50, maxMs: 100 },
];

/** What the engine runs (host-independent: the caller resolves the host to a base URL). */
export const BenchSpecSchema = z.strictObject({
  model: ModelIdSchema,
  driver: BenchDriverSchema.default({ kind: 'concurrency', levels: [1, 2, 4, 8, 16, 32] }),
  workload: BenchWorkloadSchema.default({ kind: 'synthetic', inputTokens: 256, outputTokens: 128, cold: false, ignoreEos: true }),
  window: BenchWindowSchema.default({ warmupS: 5, measureS: 60, cooldownS: 2 }),
  repetitions: z.number().int().min(1).max(BENCH_LIMITS.maxRepetitions).default(3),
  slos: z.array(BenchSloSchema).max(BENCH_LIMITS.maxSlos).default(DEFAULT_BENCH_SLOS),
  /** Errors plus shed requests (429) above this share fail the point's SLO verdict. */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** A request that has not finished after this long is aborted and counted as an error. */
  requestTimeoutMs: z.number().int().min(1000).max(3_600_000).default(600_000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
export type BenchSpec = z.infer<typeof BenchSpecSchema>;
export type BenchSpecInput = z.input<typeof BenchSpecSchema>;

/** POST body of a bench run: a spec plus where to run it. */
export const BenchRunRequestSchema = BenchSpecSchema.extend({
  host: ActionHostIdSchema,
  /** Run even though the host serves other traffic (otherwise HOST_BUSY / LEASE_HELD). */
  takeover: z.boolean().default(false),
});
export type BenchRunRequest = z.infer<typeof BenchRunRequestSchema>;
export type BenchRunRequestInput = z.input<typeof BenchRunRequestSchema>;
