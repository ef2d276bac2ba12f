import { z } from 'zod';
import { ModelStateSchema } from '../fleet';

/**
 * Routing (issue 13): `auto:<policy>` models, their hard filters and weights, and the advisory
 * scores per model × host that they rank by. Shared by the routing file (ROUTING_FILE, YAML),
 * the REST API and the web app.
 */
export const PolicyNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,47}$/, 'a lower-case name (a-z, 0-9, . _ -), at most 48 characters');

export const RoutingWeightsSchema = z.strictObject({
  /** eval score for the policy's category (absent → neutral) */
  quality: z.number().min(0).max(10).default(1),
  /** predicted TTFT/TPOT at the current in-flight (bench curves, else recent activity) */
  speed: z.number().min(0).max(10).default(1),
  /** loaded and idle beats loading beats a swap (measured load time) */
  residency: z.number().min(0).max(10).default(2),
  /** requests in flight on the model and the host */
  load: z.number().min(0).max(10).default(1),
  /** recent gateway error rate to the host */
  reliability: z.number().min(0).max(10).default(1),
});
export type RoutingWeights = z.infer<typeof RoutingWeightsSchema>;

export const RoutingFiltersSchema = z.strictObject({
  /** context length ≥ this (and ≥ the request's estimated prompt + max_tokens) */
  minContext: z.number().int().positive().optional(),
  /** the model must support tool calls (known from the routing file's `models`) */
  tools: z.boolean().optional(),
  /** the host must carry every one of these tags (routing file `hostTags`) */
  hostTags: z.array(z.string().min(1)).max(20).optional(),
  /** model id globs (`qwen3-*`); empty = any */
  models: z.array(z.string().min(1)).max(50).optional(),
  /** host ids; empty = any */
  hosts: z.array(z.string().min(1)).max(50).optional(),
});
export type RoutingFilters = z.infer<typeof RoutingFiltersSchema>;

export const RoutingPolicySchema = z.strictObject({
  description: z.string().max(300).default(''),
  /** eval task category the quality signal is read for (`coding`, `chat`…); none = overall */
  category: z.string().min(1).max(64).optional(),
  filters: RoutingFiltersSchema.default({}),
  weights: RoutingWeightsSchema.default(RoutingWeightsSchema.parse({})),
  /** never cause a swap when a loaded candidate is within this many points of the best (0–100 scale) */
  swapBudget: z.number().min(0).max(100).default(10),
  /** candidates within this many points of the best are near-ties: power-of-two-choices on load */
  nearTie: z.number().min(0).max(50).default(3),
});
export type RoutingPolicy = z.infer<typeof RoutingPolicySchema>;

/** What the fleet cannot tell about a model: capabilities, kind, tags, a quality prior per category. */
export const ModelFactsSchema = z.strictObject({
  kind: z.enum(['chat', 'embedding']).optional(),
  tools: z.boolean().optional(),
  contextLength: z.number().int().positive().optional(),
  tags: z.array(z.string()).max(20).optional(),
  /** 0–100 per category (`*` = any): used until evals have scored the model */
  quality: z.record(z.string(), z.number().min(0).max(100)).optional(),
});
export type ModelFacts = z.infer<typeof ModelFactsSchema>;

export const RoutingFileSchema = z.strictObject({
  policies: z.record(PolicyNameSchema, RoutingPolicySchema).default({}),
  /** facts by model id */
  models: z.record(z.string(), ModelFactsSchema).default({}),
  /** tags by host id (for `filters.hostTags`) */
  hostTags: z.record(z.string(), z.array(z.string())).default({}),
});
export type RoutingFile = z.infer<typeof RoutingFileSchema>;

export const QualityInputSchema = z.object({
  score: z.number(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  n: z.number().int(),
  source: z.enum(['eval', 'prior']),
  category: z.string().nullable(),
});
export type QualityInput = z.infer<typeof QualityInputSchema>;

/** One model on one host as a policy sees it: each component in 0..1, the inputs they came from. */
export const RoutingScoreSchema = z.object({
  hostId: z.string(),
  model: z.string(),
  state: ModelStateSchema,
  /** 0–100; null when a hard filter removed it */
  score: z.number().nullable(),
  filteredBy: z.string().nullable(),
  components: z.object({ quality: z.number(), speed: z.number(), residency: z.number(), load: z.number(), reliability: z.number() }),
  inputs: z.object({
    quality: QualityInputSchema.nullable(),
    predictedTtftMs: z.number().nullable(),
    predictedTpotMs: z.number().nullable(),
    speedSource: z.enum(['bench', 'activity', 'none']),
    benchRunId: z.string().nullable(),
    inflight: z.number().int(),
    hostInflight: z.number().int(),
    loaded: z.boolean(),
    /** expected time to load it (measured median, else a default) when it is not loaded */
    swapMs: z.number().nullable(),
    /** ready models on the host that a load could evict */
    evicts: z.array(z.string()),
    errorRate: z.number(),
    coolingDown: z.boolean(),
    leased: z.boolean(),
    contextLength: z.number().nullable(),
  }),
});
export type RoutingScore = z.infer<typeof RoutingScoreSchema>;

export const RoutingScoresQuerySchema = z.object({
  policy: PolicyNameSchema.optional(),
  category: z.string().max(64).optional(),
});
export const RoutingScoresSchema = z.object({ policy: z.string().nullable(), category: z.string().nullable(), scores: z.array(RoutingScoreSchema) });

/** A dry run: the body of a /v1 request (only `model`, `messages`/`prompt`/`input`, `tools`, `max_tokens` matter). */
export const RoutingExplainRequestSchema = z
  .object({
    model: z.string().min(1).max(300),
    path: z.enum(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']).default('/v1/chat/completions'),
  })
  .loose();

export const RoutingExplainSchema = z.object({
  requested: z.string(),
  policy: z.string().nullable(),
  chosen: z.object({ hostId: z.string(), model: z.string() }).nullable(),
  reason: z.string(),
  /** what would happen to the request: routed, wait for a lease, or the error it would get */
  outcome: z.enum(['route', 'wait-lease', 'error']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  candidates: z.array(RoutingScoreSchema),
  decisionUs: z.number(),
});
export type RoutingExplain = z.infer<typeof RoutingExplainSchema>;

export const RoutingPolicyEntrySchema = z.object({ name: z.string(), model: z.string(), source: z.enum(['default', 'file', 'api']), policy: RoutingPolicySchema });
export const RoutingPolicyListSchema = z.object({ file: z.string().nullable(), policies: z.array(RoutingPolicyEntrySchema) });
export const RoutingPolicyParamsSchema = z.object({ name: PolicyNameSchema });
