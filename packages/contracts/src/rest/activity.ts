import { z } from 'zod';
import { ActivityRowLiveSchema } from '../ws/events';

/** A list in a query string: `?host=a,b` or `?host=a&host=b`. */
export const QueryListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));

const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

/** One stored request: what the live topic carries, plus the storage keys and the rarer token counts. */
export const ActivityRowSchema = ActivityRowLiveSchema.extend({
  epoch: z.number().int(),
  contentType: z.string(),
  draftTokens: z.number(),
  draftAccTokens: z.number(),
  /** Set when the request came through the gateway (joined by the gateway's request record). */
  gateway: z.object({ consumer: z.string(), session: z.string().nullable(), routeReason: z.string(), overheadMs: z.number() }).nullable().optional(),
});
export type ActivityRow = z.infer<typeof ActivityRowSchema>;

export const ActivitySortSchema = z.enum(['ts', 'duration', 'ttft', 'inputTokens', 'outputTokens', 'promptTps', 'genTps']);

export const ActivityListQuerySchema = z.object({
  host: QueryListSchema.optional(),
  model: QueryListSchema.optional(),
  /** `ok` (2xx), `error` (anything else) or an exact HTTP status. */
  status: z.union([z.enum(['ok', 'error']), z.coerce.number().int().min(100).max(599)]).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  /** Text search over model, path, error and host. */
  q: z.string().max(200).optional(),
  /** Only requests that came through the gateway for these consumers / this session. */
  consumer: QueryListSchema.optional(),
  session: z.string().max(200).optional(),
  sort: ActivitySortSchema.default('ts'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Opaque: `nextCursor` of the previous page (same sort). */
  cursor: z.string().max(500).optional(),
});
export type ActivityListQuery = z.infer<typeof ActivityListQuerySchema>;

export const ActivityPageSchema = z.object({ rows: z.array(ActivityRowSchema), nextCursor: z.string().nullable() });
export type ActivityPage = z.infer<typeof ActivityPageSchema>;

export const ActivityParamsSchema = z.object({ id: z.coerce.number().int().positive() });

export const ActivityStatsQuerySchema = z.object({
  host: QueryListSchema.optional(),
  model: QueryListSchema.optional(),
  /** Default: the last 24 hours. */
  from: IsoTime.optional(),
  to: IsoTime.optional(),
});
export type ActivityStatsQuery = z.infer<typeof ActivityStatsQuerySchema>;

const Percentiles = z.object({ p50: z.number(), p95: z.number() }).nullable();

export const ActivityStatsSchema = z.object({
  from: z.string(),
  to: z.string(),
  groups: z.array(
    z.object({
      hostId: z.string(),
      model: z.string(),
      count: z.number().int(),
      errors: z.number().int(),
      inputTokens: z.number(),
      outputTokens: z.number(),
      /** Prompt processing speed, tokens/s (requests that reported one). */
      promptTps: Percentiles,
      /** Generation speed, tokens/s. */
      genTps: Percentiles,
      /** Time to first token, ms (requests whose host reported timings; see ActivityRowLive.ttftMs). */
      ttftMs: Percentiles,
      /** Requests that reused prompt tokens from the KV cache (cache_n > 0), and how many tokens. */
      cacheHits: z.number().int(),
      cacheTokens: z.number(),
      lastTs: z.string(),
    }),
  ),
});
export type ActivityStats = z.infer<typeof ActivityStatsSchema>;

/** A request/response capture, bodies decoded to text and secrets redacted. */
export const CaptureSchema = z.object({
  activityId: z.string(),
  hostId: z.string(),
  reqPath: z.string(),
  reqHeaders: z.record(z.string(), z.string()),
  reqBody: z.string().nullable(),
  respHeaders: z.record(z.string(), z.string()),
  respBody: z.string().nullable(),
  /** Bodies were cut to fit the per-row cap. */
  truncated: z.boolean(),
  sizeBytes: z.number().int(),
  fetchedAt: z.string(),
});
export type Capture = z.infer<typeof CaptureSchema>;
