import { z } from 'zod';
import { QueryListSchema } from './activity';

/**
 * The fleet gateway (issue 13): consumers, their keys, and one record per gateway request.
 * Keys are shown once, at creation; afterwards only their prefix.
 */
const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

export const ConsumerNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a consumer name: letters, digits, . _ @ -, at most 64');

export const GatewayKeySchema = z.object({
  id: z.string(),
  consumer: z.string(),
  /** the first characters of the key, to tell keys apart */
  prefix: z.string(),
  source: z.enum(['env', 'managed']),
  createdAt: z.string().nullable(),
});
export type GatewayKey = z.infer<typeof GatewayKeySchema>;
export const GatewayKeyListSchema = z.object({ keys: z.array(GatewayKeySchema), required: z.boolean() });
export const GatewayKeyCreateSchema = z.strictObject({ consumer: ConsumerNameSchema });
/** The only time the key itself is returned. */
export const GatewayKeyCreatedSchema = GatewayKeySchema.extend({ key: z.string() });
export const GatewayKeyParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const ConsumerSourceSchema = z.enum(['key', 'header', 'anonymous']);

export const GatewayRequestSchema = z.object({
  id: z.string(),
  ts: z.string(),
  consumer: z.string(),
  consumerSource: ConsumerSourceSchema,
  session: z.string().nullable(),
  path: z.string(),
  requestedModel: z.string().nullable(),
  hostId: z.string().nullable(),
  model: z.string().nullable(),
  policy: z.string().nullable(),
  routeReason: z.string(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  stream: z.boolean(),
  attempts: z.number().int(),
  /** gateway time outside the upstream and lease waits */
  overheadMs: z.number(),
  waitMs: z.number(),
  /** upstream time to response headers */
  upstreamMs: z.number().nullable(),
  durationMs: z.number(),
  /** the host's own activity row for this request, once joined (tokens come from it) */
  activityId: z.string().nullable(),
  inputTokens: z.number().nullable(),
  outputTokens: z.number().nullable(),
});
export type GatewayRequest = z.infer<typeof GatewayRequestSchema>;

export const GatewayRequestListQuerySchema = z.object({
  consumer: QueryListSchema.optional(),
  session: z.string().max(200).optional(),
  host: QueryListSchema.optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const GatewayRequestListSchema = z.object({ requests: z.array(GatewayRequestSchema) });

export const GatewayUsageQuerySchema = z.object({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  host: QueryListSchema.optional(),
  model: QueryListSchema.optional(),
});
export const GatewayUsageSchema = z.object({
  from: z.string(),
  to: z.string(),
  groups: z.array(
    z.object({
      consumer: z.string(),
      hostId: z.string().nullable(),
      model: z.string().nullable(),
      requests: z.number().int(),
      errors: z.number().int(),
      /** requests joined to the host's activity row (their tokens are counted) */
      joined: z.number().int(),
      inputTokens: z.number(),
      outputTokens: z.number(),
    }),
  ),
});
export type GatewayUsage = z.infer<typeof GatewayUsageSchema>;

export const GatewayStatusSchema = z.object({
  listening: z.string().nullable(),
  keysRequired: z.boolean(),
  inflight: z.number().int(),
  hosts: z.array(
    z.object({
      hostId: z.string(),
      coolingDown: z.boolean(),
      cooldownUntil: z.string().nullable(),
      consecutiveFailures: z.number().int(),
      errorRate: z.number(),
      inflight: z.number().int(),
      leased: z.boolean(),
    }),
  ),
  counters: z.record(z.string(), z.number()),
});
export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;
