import { z } from 'zod';
import { ActionHostIdSchema, ModelIdSchema } from './actions';

/**
 * Quality evals (issue 12). Methods follow shared/reference/bench-eval-methodology.md §2 (unbiased
 * pass@k, MT-Bench single and pairwise judging in both orders, NIAH + effective context length) and
 * the targets E1–E9 of §5. Suites are data in `evals/suites/<name>/` (docs/evals.md).
 */
export const EvalSuiteKindSchema = z.enum(['code', 'chat', 'long-context', 'utility', 'calibration']);
export type EvalSuiteKind = z.infer<typeof EvalSuiteKindSchema>;

export const EVAL_LIMITS = { maxSamples: 20, maxItems: 2000, maxTokens: 8192 } as const;

export const EvalSuiteSummarySchema = z.object({
  name: z.string(),
  version: z.string(),
  kind: EvalSuiteKindSchema,
  description: z.string(),
  items: z.number().int(),
  /** sha256 of the manifest and every item file: results are tied to it */
  hash: z.string(),
});
export type EvalSuiteSummary = z.infer<typeof EvalSuiteSummarySchema>;

export const EvalTargetSchema = z.strictObject({ host: ActionHostIdSchema, model: ModelIdSchema });
export type EvalTarget = z.infer<typeof EvalTargetSchema>;

export const EvalRunRequestSchema = z.strictObject({
  suite: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_-]*$/, 'a suite name: lower case, digits, - and _'),
  host: ActionHostIdSchema,
  model: ModelIdSchema,
  /** samples per item; 1 = greedy (temperature 0), labelled as such */
  samples: z.number().int().min(1).max(EVAL_LIMITS.maxSamples).default(1),
  /** sampling temperature when samples > 1 (E7: 0.2–0.8) */
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(EVAL_LIMITS.maxTokens).optional(),
  /** the judge for chat suites (default: the largest model of the fleet) */
  judge: EvalTargetSchema.optional(),
  /** run only the first N items (a quick look; the summary says how many ran) */
  limit: z.number().int().min(1).max(EVAL_LIMITS.maxItems).optional(),
  /** long-context: the model's context in tokens when the fleet does not report it */
  contextTokens: z.number().int().min(256).max(2_000_000).optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(1),
});
export type EvalRunRequest = z.input<typeof EvalRunRequestSchema>;
export type EvalRunSpec = z.output<typeof EvalRunRequestSchema>;

export const EvalRunStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type EvalRunStatus = z.infer<typeof EvalRunStatusSchema>;

export const EvalCiSchema = z.object({ low: z.number(), high: z.number(), level: z.number(), method: z.enum(['bootstrap', 'wilson']) });
export type EvalCi = z.infer<typeof EvalCiSchema>;

/** The aggregate of a run: one headline score in [0, 1] with its 95 % CI, plus per-kind figures. */
export const EvalSummarySchema = z.object({
  metric: z.string(),
  score: z.number(),
  ci: EvalCiSchema,
  /** items scored (items whose reference failed are excluded and counted in `invalid`) */
  n: z.number().int(),
  invalid: z.number().int(),
  /** e.g. pass@k, winRate, lcWinRate, schemaValidRate, exactMatchRate, latencyP95Ms, effectiveContext, grid */
  figures: z.record(z.string(), z.unknown()),
});
export type EvalSummary = z.infer<typeof EvalSummarySchema>;

/** Where the numbers came from: exact model, host, server config and suite. */
export const EvalProvenanceSchema = z.object({
  suiteVersion: z.string(),
  suiteHash: z.string(),
  /** llama-swap `cmd` of the model, when the host's config is known */
  cmd: z.string().nullable(),
  /** llama-server build (`system_fingerprint`), from the first answer */
  build: z.string().nullable(),
  sampling: z.object({ temperature: z.number(), maxTokens: z.number().int(), samples: z.number().int(), greedy: z.boolean(), seed: z.number().int() }),
  judge: EvalTargetSchema.nullable(),
});
export type EvalProvenance = z.infer<typeof EvalProvenanceSchema>;

export const EvalRunSchema = z.object({
  id: z.string(),
  jobId: z.string().nullable(),
  suite: z.string(),
  kind: EvalSuiteKindSchema,
  hostId: z.string(),
  model: z.string(),
  status: EvalRunStatusSchema,
  spec: z.unknown(),
  provenance: EvalProvenanceSchema.nullable(),
  summary: EvalSummarySchema.nullable(),
  itemsDone: z.number().int(),
  itemsTotal: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type EvalRun = z.infer<typeof EvalRunSchema>;

export const EvalSampleSchema = z.object({
  answer: z.string(),
  passed: z.boolean().nullable(),
  score: z.number().nullable(),
  status: z.string(),
  latencyMs: z.number(),
  tokens: z.number().int().nullable(),
  /** sandbox output (code), validation errors (utility) */
  output: z.string().optional(),
});
export type EvalSample = z.infer<typeof EvalSampleSchema>;

export const EvalItemResultSchema = z.object({
  itemId: z.string(),
  score: z.number().nullable(),
  passed: z.boolean().nullable(),
  prompt: z.string(),
  reference: z.string().nullable(),
  answer: z.string(),
  verdict: z.string().nullable(),
  rationale: z.string().nullable(),
  samples: z.array(EvalSampleSchema),
  detail: z.record(z.string(), z.unknown()),
});
export type EvalItemResult = z.infer<typeof EvalItemResultSchema>;

export const EvalRunDetailSchema = EvalRunSchema.extend({
  items: z.array(EvalItemResultSchema),
  page: z.object({ offset: z.number().int(), limit: z.number().int(), total: z.number().int() }),
});
export type EvalRunDetail = z.infer<typeof EvalRunDetailSchema>;

export const EvalRunAcceptedSchema = z.object({ runId: z.string(), jobId: z.string() });
export const EvalRunParamsSchema = z.object({ id: z.string().min(1) });
export const EvalRunListQuerySchema = z.object({
  suite: z.string().optional(),
  host: z.string().optional(),
  model: z.string().optional(),
  status: EvalRunStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const EvalRunGetQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  format: z.enum(['json', 'csv']).default('json'),
});

/** Judge calibration (E1, E2): per judge model, from the shipped pair set. */
export const EvalJudgeCalibrationSchema = z.object({
  hostId: z.string(),
  model: z.string(),
  runId: z.string(),
  /** same winner in both orders (target ≥ 0.8) */
  positionConsistency: z.number(),
  /** agreement with the gold label on non-tie items */
  agreement: z.number(),
  kappa: z.number().nullable(),
  n: z.number().int(),
  at: z.string(),
});
export type EvalJudgeCalibration = z.infer<typeof EvalJudgeCalibrationSchema>;

export const EvalScoreRowSchema = z.object({
  suite: z.string(),
  suiteHash: z.string(),
  model: z.string(),
  hostId: z.string(),
  /** a short key of the exact config (cmd, build, sampling): rows differ when any of it does */
  configKey: z.string(),
  runId: z.string(),
  metric: z.string(),
  score: z.number(),
  ci: EvalCiSchema,
  n: z.number().int(),
  greedy: z.boolean(),
  judge: EvalJudgeCalibrationSchema.nullable(),
  finishedAt: z.string().nullable(),
});
export type EvalScoreRow = z.infer<typeof EvalScoreRowSchema>;

export const EvalScoreboardSchema = z.object({
  suite: z.string().nullable(),
  rows: z.array(EvalScoreRowSchema),
  /** run id pairs (same suite) whose CIs do not overlap: only these are shown as separable */
  separable: z.array(z.tuple([z.string(), z.string()])),
});
export type EvalScoreboard = z.infer<typeof EvalScoreboardSchema>;
export const EvalScoreboardQuerySchema = z.object({ suite: z.string().optional() });

/** Two runs of one suite, item by item, with a paired test of the difference (B − A). */
export const EvalCompareSchema = z.object({
  a: EvalRunSchema,
  b: EvalRunSchema,
  items: z.array(z.object({ itemId: z.string(), a: z.number().nullable(), b: z.number().nullable(), change: z.enum(['better', 'worse', 'same', 'missing']) })),
  difference: z.object({ mean: z.number(), ci: EvalCiSchema, pValue: z.number(), n: z.number().int(), real: z.boolean() }),
});
export type EvalCompare = z.infer<typeof EvalCompareSchema>;
export const EvalCompareQuerySchema = z.object({ a: z.string().min(1), b: z.string().min(1) });

export const EvalSandboxStateSchema = z.object({ available: z.boolean(), reason: z.string().nullable(), selftest: z.unknown() });

/** One frame of the `evals` live topic. */
export const EvalLiveFrameSchema = z.object({
  runId: z.string(),
  jobId: z.string(),
  suite: z.string(),
  hostId: z.string(),
  model: z.string(),
  status: EvalRunStatusSchema,
  phase: z.string(),
  done: z.number().int(),
  of: z.number().int(),
  /** running score over the items done so far */
  score: z.number().nullable(),
  at: z.string(),
});
export type EvalLiveFrame = z.infer<typeof EvalLiveFrameSchema>;

export const EvalSuiteListSchema = z.object({ suites: z.array(EvalSuiteSummarySchema) });
export const EvalRunListSchema = z.object({ runs: z.array(EvalRunSchema) });
