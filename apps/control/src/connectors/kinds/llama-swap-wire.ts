import { z } from 'zod';

/**
 * zod schemas for what llama-swap sends (protocol reference §2, §3, §5, §7). They are loose:
 * unknown fields are ignored, optional fields default, and anything that does not fit is
 * rejected, counted and logged by the connector — never fatal.
 */

/** SSE envelope: `data` is itself JSON serialized into a string (gotcha 3: parse twice). */
export const EnvelopeSchema = z.object({ type: z.string(), data: z.string() });

export const ModelStatusEntrySchema = z.object({
  id: z.string(),
  name: z.string().optional().default(''),
  description: z.string().optional().default(''),
  state: z.string().optional().default(''),
  unlisted: z.boolean().optional().default(false),
  peerID: z.string().optional().default(''),
  aliases: z.array(z.string()).nullish(),
  context_length: z.number().nullish(),
});
export const ModelStatusSchema = z.array(ModelStatusEntrySchema);
export type WireModelStatus = z.infer<typeof ModelStatusEntrySchema>;

export const LogDataSchema = z.object({ source: z.string(), data: z.string() });

export const WireInflightRequestSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  timestamp: z.string().optional().default(''),
  model: z.string().optional().default(''),
  req_path: z.string().optional().default(''),
  method: z.string().optional(),
  resp_bytes: z.number().optional().default(0),
  elapsed_ms: z.number().optional().default(0),
});
export type WireInflightRequest = z.infer<typeof WireInflightRequestSchema>;

/** v240+: snapshot/upsert/remove; v192–v239: just a total. */
export const InflightEventSchema = z.union([
  z.object({ operation: z.literal('snapshot'), requests: z.array(WireInflightRequestSchema).nullish() }),
  z.object({ operation: z.literal('upsert'), request: WireInflightRequestSchema }),
  z.object({ operation: z.literal('remove'), id: z.union([z.string(), z.number()]).transform(String) }),
  z.object({ total: z.number().int().nonnegative() }),
]);
export type InflightEvent = z.infer<typeof InflightEventSchema>;

export const ActivityIdEventSchema = z.object({ id: z.number().int() });

const num = z.number().optional().default(-1);

/** v209+ nested record (HEAD store rows and v209–v235 in-memory records). */
const NestedActivitySchema = z.object({
  id: z.number().int(),
  timestamp: z.string(),
  model: z.string(),
  req_path: z.string().optional().default(''),
  resp_content_type: z.string().optional().default(''),
  resp_status_code: z.number().int().optional().default(200),
  tokens: z.object({
    cache_tokens: num,
    draft_tokens: num,
    draft_acc_tokens: num,
    input_tokens: z.number().optional().default(0),
    output_tokens: z.number().optional().default(0),
    prompt_per_second: num,
    tokens_per_second: num,
  }),
  duration_ms: z.number().optional().default(0),
  has_capture: z.boolean().optional().default(false),
  error_msg: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

/** v140–v208 flat record. */
const FlatActivitySchema = z.object({
  id: z.number().int(),
  timestamp: z.string(),
  model: z.string(),
  cache_tokens: num,
  input_tokens: z.number().optional().default(0),
  output_tokens: z.number().optional().default(0),
  prompt_per_second: num,
  tokens_per_second: num,
  duration_ms: z.number().optional().default(0),
  has_capture: z.boolean().optional().default(false),
});

/** One activity row as the rest of control sees it (numbers: -1 means unknown, per §13.12). */
export interface WireActivity {
  id: number;
  timestamp: string;
  model: string;
  reqPath: string;
  contentType: string;
  status: number;
  cacheTokens: number;
  draftTokens: number;
  draftAccTokens: number;
  inputTokens: number;
  outputTokens: number;
  promptTps: number;
  genTps: number;
  durationMs: number;
  hasCapture: boolean;
  error: string | null;
  metadata: Record<string, unknown> | null;
}

export const ActivityEntrySchema = z.union([NestedActivitySchema, FlatActivitySchema]).transform((r): WireActivity => {
  if ('tokens' in r) {
    return {
      id: r.id,
      timestamp: r.timestamp,
      model: r.model,
      reqPath: r.req_path,
      contentType: r.resp_content_type,
      status: r.resp_status_code,
      cacheTokens: r.tokens.cache_tokens,
      draftTokens: r.tokens.draft_tokens,
      draftAccTokens: r.tokens.draft_acc_tokens,
      inputTokens: r.tokens.input_tokens,
      outputTokens: r.tokens.output_tokens,
      promptTps: r.tokens.prompt_per_second,
      genTps: r.tokens.tokens_per_second,
      durationMs: r.duration_ms,
      hasCapture: r.has_capture,
      error: r.error_msg ?? null,
      metadata: r.metadata ?? null,
    };
  }
  return {
    id: r.id,
    timestamp: r.timestamp,
    model: r.model,
    reqPath: '',
    contentType: '',
    status: 200,
    cacheTokens: r.cache_tokens,
    draftTokens: -1,
    draftAccTokens: -1,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    promptTps: r.prompt_per_second,
    genTps: r.tokens_per_second,
    durationMs: r.duration_ms,
    hasCapture: r.has_capture,
    error: null,
    metadata: null,
  };
});

export const ActivityPageSchema = z.object({
  data: z.array(z.unknown()).nullish(),
  total: z.number().optional(),
});

/** Legacy SSE `metrics` payload and GET /api/metrics: an array of records. */
export const LegacyMetricsSchema = z.array(z.unknown());

export const VersionSchema = z.object({ version: z.string().optional(), commit: z.string().optional(), build_date: z.string().optional() });

export const RunningSchema = z.object({
  running: z.array(z.object({ model: z.string(), state: z.string().optional().default('ready') })).nullish(),
});

export const ModelsListSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        name: z.string().optional(),
        description: z.string().optional(),
        status: z.object({ value: z.string() }).optional(),
        context_length: z.number().optional(),
        meta: z.object({ llamaswap: z.object({ type: z.string().optional(), aliases: z.array(z.string()).optional() }).loose().optional() }).loose().nullish(),
      }),
    )
    .nullish(),
});

const SysStatSchema = z.object({
  timestamp: z.string(),
  cpu_util_per_core: z.array(z.number()).nullish(),
  mem_total_mb: z.number().optional().default(0),
  mem_used_mb: z.number().optional().default(0),
  load_avg_1: z.number().optional(),
});
const GpuStatSchema = z.object({
  timestamp: z.string(),
  id: z.number(),
  name: z.string().optional().default(''),
  temp_c: z.number().optional().default(0),
  gpu_util_pct: z.number().optional().default(0),
  mem_used_mb: z.number().optional().default(0),
  mem_total_mb: z.number().optional().default(0),
  power_draw_w: z.number().optional().default(0),
});
export const PerformanceSchema = z.object({
  enabled: z.boolean().optional(),
  sys_stats: z.array(SysStatSchema).nullish(),
  gpu_stats: z.array(GpuStatSchema).nullish(),
});
export type WireSysStat = z.infer<typeof SysStatSchema>;
export type WireGpuStat = z.infer<typeof GpuStatSchema>;
