import { z } from 'zod';

/**
 * Alerts (issue 14): rules in a YAML file (ALERTS_FILE) merged over the shipped defaults, the
 * alerts they raise, silences and notification deliveries. docs/alerts.md documents the file.
 */
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -');
const severity = z.enum(['info', 'warning', 'critical']).default('warning');
const seconds = (def: number) => z.number().int().min(1).max(86_400).default(def);
const base = { id, severity, enabled: z.boolean().default(true), description: z.string().max(500).optional() };

export const AlertRuleSchema = z.discriminatedUnion('kind', [
  /** A host the connector cannot reach (offline) for longer than `forS`. */
  z.strictObject({ ...base, kind: z.literal('host_offline'), forS: seconds(60) }),
  /** `failures` failed starts or crashes of one model within `windowS`. */
  z.strictObject({ ...base, kind: z.literal('crash_loop'), failures: z.number().int().min(1).max(1000).default(3), windowS: seconds(600) }),
  /** `swaps` model loads on one host within `windowS`. */
  z.strictObject({ ...base, kind: z.literal('swap_storm'), swaps: z.number().int().min(2).max(10_000).default(10), windowS: seconds(600) }),
  /** A GPU above `aboveC` for longer than `forS`. */
  z.strictObject({ ...base, kind: z.literal('gpu_temp'), aboveC: z.number().min(30).max(120).default(85), forS: seconds(120) }),
  /** A model's TTFT p95 over the last `windowS` above `factor` × its last benchmark's TTFT p95. */
  z.strictObject({
    ...base,
    kind: z.literal('ttft_regression'),
    factor: z.number().min(1).max(100).default(1.5),
    windowS: seconds(900),
    minRequests: z.number().int().min(1).max(100_000).default(20),
  }),
  /** An eval score below the previous run's lower CI bound (inactive until evals exist). */
  z.strictObject({ ...base, kind: z.literal('eval_drop') }),
]);
export type AlertRule = z.infer<typeof AlertRuleSchema>;
export type AlertRuleKind = AlertRule['kind'];

export const NotifyChannelSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    name: id,
    url: z.url({ protocol: /^https?$/ }),
    /** Extra request headers (e.g. authorization); never logged or shown by the API. */
    headers: z.record(z.string(), z.string()).default({}),
  }),
  z.strictObject({
    kind: z.literal('ntfy'),
    name: id,
    /** The ntfy server, e.g. https://ntfy.sh or a self-hosted one. */
    url: z.url({ protocol: /^https?$/ }),
    topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    /** Access token (Bearer); never logged or shown by the API. */
    token: z.string().optional(),
  }),
]);
export type NotifyChannel = z.infer<typeof NotifyChannelSchema>;

export const AlertsFileSchema = z.strictObject({
  /** Include the shipped default rules (a rule with the same id in `rules` replaces its default). */
  defaults: z.boolean().default(true),
  rules: z.array(AlertRuleSchema).max(200).default([]),
  notify: z.array(NotifyChannelSchema).max(20).default([]),
  /** Delivery retries: attempts in all, and the first backoff (doubling, capped at 5 minutes). */
  delivery: z.strictObject({ attempts: z.number().int().min(1).max(20).default(6), backoffMs: z.number().int().min(10).max(600_000).default(2000) }).default({ attempts: 6, backoffMs: 2000 }),
});
export type AlertsFile = z.infer<typeof AlertsFileSchema>;

export const AlertStateSchema = z.enum(['firing', 'resolved']);
export const AlertSchema = z.object({
  id: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  hostId: z.string().nullable(),
  /** what on the host: a model id or a GPU index; null for the host itself */
  subject: z.string().nullable(),
  summary: z.string(),
  /** the measured value that crossed the threshold (seconds offline, failures, °C, ms…) */
  value: z.number().nullable(),
  state: AlertStateSchema,
  /** a silence matched when it fired: recorded, not notified */
  silenced: z.boolean(),
  startedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListQuerySchema = z.object({
  state: z.enum(['firing', 'all']).default('firing'),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const AlertListSchema = z.object({ alerts: z.array(AlertSchema) });

export const AlertRulesResponseSchema = z.object({
  /** the file in use, or null for the shipped defaults only */
  file: z.string().nullable(),
  rules: z.array(AlertRuleSchema),
  /** channels by name and kind; URLs, headers and tokens are not shown */
  channels: z.array(z.object({ name: z.string(), kind: z.string() })),
});

export const SilenceSchema = z.object({
  id: z.string(),
  /** null matches every rule / every host */
  rule: z.string().nullable(),
  hostId: z.string().nullable(),
  comment: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});
export type Silence = z.infer<typeof SilenceSchema>;
export const SilenceListSchema = z.object({ silences: z.array(SilenceSchema) });
export const SilenceBodySchema = z.strictObject({
  rule: z.string().max(64).optional(),
  hostId: z.string().max(100).optional(),
  durationS: z.number().int().min(60).max(30 * 86_400).default(3600),
  comment: z.string().max(500).default(''),
});
export const SilenceParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const DeliverySchema = z.object({
  channel: z.string(),
  event: AlertStateSchema,
  status: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;
export const AlertParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const DeliveryListSchema = z.object({ deliveries: z.array(DeliverySchema) });

/** What a webhook receives (JSON POST) for a firing and for its resolution. */
export const AlertWebhookBodySchema = z.object({ event: AlertStateSchema, alert: AlertSchema, source: z.literal('boocontrol') });
