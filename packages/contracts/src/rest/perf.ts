import { z } from 'zod';

const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

/**
 * Stored metrics: `cpu_pct`, `mem_used_mb`, `mem_total_mb` (series ''), and per GPU (series = GPU
 * index) `gpu_util_pct`, `gpu_mem_used_mb`, `gpu_mem_total_mb`, `gpu_temp_c`, `gpu_power_w`.
 */
export const PERF_METRICS = ['cpu_pct', 'mem_used_mb', 'mem_total_mb', 'gpu_util_pct', 'gpu_mem_used_mb', 'gpu_mem_total_mb', 'gpu_temp_c', 'gpu_power_w'] as const;
export const PerfMetricSchema = z.enum(PERF_METRICS);
export type PerfMetric = z.infer<typeof PerfMetricSchema>;

export const PerfQuerySchema = z.object({
  /** One or more metrics, comma separated; default all. */
  metric: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s.length > 0))
    .pipe(z.array(PerfMetricSchema))
    .optional(),
  /** Default: 15 minutes before `to`. */
  from: IsoTime.optional(),
  /** Default: now. */
  to: IsoTime.optional(),
  /** Approximate number of points wanted per series (the step is derived from it). */
  points: z.coerce.number().int().min(10).max(2000).default(720),
});
export type PerfQuery = z.infer<typeof PerfQuerySchema>;

export const PerfSeriesSchema = z.object({
  metric: z.string(),
  series: z.string(),
  /** t = step start (ms since epoch), v = average over the step, max = its maximum. */
  points: z.array(z.object({ t: z.number(), v: z.number(), max: z.number() })),
});

export const PerfResponseSchema = z.object({
  hostId: z.string(),
  from: z.string(),
  to: z.string(),
  /** `raw` samples for recent short ranges, 5-minute `rollup`s beyond. */
  source: z.enum(['raw', 'rollup']),
  stepS: z.number(),
  series: z.array(PerfSeriesSchema),
});
export type PerfResponse = z.infer<typeof PerfResponseSchema>;
