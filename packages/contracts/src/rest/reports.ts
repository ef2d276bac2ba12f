import { z } from 'zod';

const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

/** Longest range a report covers (rollups are kept as long as this by default). */
export const REPORT_MAX_DAYS = 400;

/**
 * A report's time range: `range` back from `to` (default now), e.g. `24h`, `7d`, `30d`, or an
 * explicit `from`. Reports work on whole hours (from rounded down, to rounded up).
 */
export const ReportRangeQuerySchema = z.object({
  range: z
    .string()
    .regex(/^\d{1,4}[hd]$/, 'a number followed by h or d, e.g. 24h, 7d')
    .optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  /** Only these hosts / models (comma separated). */
  host: z.string().max(2000).optional(),
  model: z.string().max(2000).optional(),
});

export const ReportFormatSchema = z.enum(['json', 'csv', 'md']);
export type ReportFormat = z.infer<typeof ReportFormatSchema>;

export const UsageGroupSchema = z.enum(['host', 'model', 'consumer', 'day']);
export type UsageGroup = z.infer<typeof UsageGroupSchema>;

export const UsageReportQuerySchema = ReportRangeQuerySchema.extend({
  groupBy: UsageGroupSchema.default('host'),
  format: ReportFormatSchema.default('json'),
});
export type UsageReportQuery = z.infer<typeof UsageReportQuerySchema>;

/** One group of a usage report. Percentiles come from mergeable histograms (±5 %). */
export const UsageRowSchema = z.object({
  /** host id, model id, consumer ('' = unattributed) or UTC day (YYYY-MM-DD) */
  key: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheTokens: z.number(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  genP50Tps: z.number().nullable(),
  genP95Tps: z.number().nullable(),
  /** Σ request durations */
  busyS: z.number(),
  /** Σ over GPUs of utilisation × time (perf samples); attributed by request time for model/consumer */
  gpuBusyS: z.number(),
  /** model loads started; null where it does not apply (consumer) */
  swaps: z.number().int().nullable(),
  failedStarts: z.number().int().nullable(),
  /** time spent loading (starting → ready) */
  loadS: z.number().nullable(),
  /** GPU power × time; attributed by request time for model/consumer */
  energyWh: z.number(),
  whPer1kTokens: z.number().nullable(),
});
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsageReportSchema = z.object({
  kind: z.literal('usage'),
  from: z.string(),
  to: z.string(),
  groupBy: UsageGroupSchema,
  generatedAt: z.string(),
  /** Always read from the hourly and daily rollups, never from raw rows. */
  source: z.literal('rollups'),
  /** Rollup rows read (day + hour grain): how much work the range took. */
  rollupRows: z.object({ day: z.number().int(), hour: z.number().int() }),
  rows: z.array(UsageRowSchema),
  totals: UsageRowSchema,
  /** Energy of hours in which a host served no request (not attributed to a model or consumer). */
  idleEnergyWh: z.number(),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

// ── residency ────────────────────────────────────────────────────────────────────────────
export const SwapTriggerSchema = z.enum(['queue', 'gateway', 'traffic', 'unknown']);
export type SwapTrigger = z.infer<typeof SwapTriggerSchema>;

export const ResidencyQuerySchema = ReportRangeQuerySchema.extend({ format: ReportFormatSchema.default('json') });

export const ResidencySegmentSchema = z.object({
  state: z.enum(['loading', 'ready']),
  from: z.string(),
  /** null: still in this state at the end of the range */
  to: z.string().nullable(),
});

export const ResidencySwapSchema = z.object({
  at: z.string(),
  model: z.string(),
  /** who asked: a job on the action queue, the gateway, outside traffic, or unknown */
  trigger: SwapTriggerSchema,
  jobId: z.string().nullable(),
  jobType: z.string().nullable(),
  /** null when the load did not finish (failed start, or still loading) */
  loadMs: z.number().nullable(),
  failed: z.boolean(),
});
export type ResidencySwap = z.infer<typeof ResidencySwapSchema>;

export const ResidencyLaneSchema = z.object({
  model: z.string(),
  segments: z.array(ResidencySegmentSchema),
  loads: z.number().int(),
  loadMsTotal: z.number(),
  residentS: z.number(),
});

export const HostResidencySchema = z.object({
  hostId: z.string(),
  lanes: z.array(ResidencyLaneSchema),
  swaps: z.array(ResidencySwapSchema),
  /** the transition list hit its limit: the earliest part of the range is missing */
  truncated: z.boolean(),
});
export type HostResidency = z.infer<typeof HostResidencySchema>;

export const ResidencyReportSchema = z.object({
  kind: z.literal('residency'),
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  hosts: z.array(HostResidencySchema),
});
export type ResidencyReport = z.infer<typeof ResidencyReportSchema>;

// ── bench / eval comparison ──────────────────────────────────────────────────────────────
export const CompareQuerySchema = z.object({
  host: z.string().max(2000).optional(),
  model: z.string().max(2000).optional(),
  format: ReportFormatSchema.default('json'),
});

/** The figures compared between runs: at each run's lowest load level (its first point). */
export const BenchFiguresSchema = z.object({
  level: z.number().nullable(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  tpotP50Ms: z.number().nullable(),
  outputTps: z.number().nullable(),
  errorRate: z.number().nullable(),
});
export type BenchFigures = z.infer<typeof BenchFiguresSchema>;

export const BenchCompareRowSchema = z.object({
  hostId: z.string(),
  model: z.string(),
  latest: z.object({ runId: z.string(), at: z.string(), figures: BenchFiguresSchema }),
  previous: z.object({ runId: z.string(), at: z.string(), figures: BenchFiguresSchema }).nullable(),
  /** (latest − previous) / previous per figure; null without a previous run or figure */
  deltas: z.record(z.string(), z.number().nullable()),
});
export type BenchCompareRow = z.infer<typeof BenchCompareRowSchema>;

export const CompareReportSchema = z.object({
  kind: z.literal('compare'),
  generatedAt: z.string(),
  bench: z.array(BenchCompareRowSchema),
  /** Eval runs compared the same way once evals exist; `note` says why the list is empty. */
  evals: z.array(z.unknown()),
  note: z.string().nullable(),
});
export type CompareReport = z.infer<typeof CompareReportSchema>;

// ── scheduled reports ────────────────────────────────────────────────────────────────────
export const ReportKindSchema = z.enum(['usage', 'residency', 'compare']);

export const StoredReportSchema = z.object({
  id: z.string(),
  kind: ReportKindSchema,
  title: z.string(),
  /** daily | weekly (schedules) or manual */
  schedule: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  createdAt: z.string(),
  /** where the webhook post stands, when the schedule posts one */
  delivery: z.enum(['none', 'sent', 'failed']),
});
export type StoredReport = z.infer<typeof StoredReportSchema>;
export const StoredReportListSchema = z.object({ reports: z.array(StoredReportSchema) });
export const ReportIdParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const StoredReportQuerySchema = z.object({ format: ReportFormatSchema.default('json') });
export const GenerateReportBodySchema = z.strictObject({
  kind: ReportKindSchema.default('usage'),
  schedule: z.enum(['daily', 'weekly', 'manual']).default('manual'),
});
