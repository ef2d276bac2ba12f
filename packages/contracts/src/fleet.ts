import { z } from 'zod';
import { ProviderKindSchema } from './llama-providers';

export const HostStatusSchema = z.enum(['connecting', 'online', 'degraded', 'offline']);
export type HostStatus = z.infer<typeof HostStatusSchema>;

/** llama-swap process states plus `unknown` for anything a legacy host may send. */
export const ModelStateSchema = z.enum(['stopped', 'starting', 'ready', 'stopping', 'unknown']);
export type ModelState = z.infer<typeof ModelStateSchema>;

export const LiveModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  state: ModelStateSchema,
  unlisted: z.boolean(),
  aliases: z.array(z.string()),
  contextLength: z.number().nullable(),
  /** When the current state was entered (ISO time, control's clock). */
  since: z.string().nullable(),
});
export type LiveModel = z.infer<typeof LiveModelSchema>;

export const InflightRequestSchema = z.object({
  id: z.string(),
  model: z.string(),
  path: z.string(),
  startedAt: z.string(),
  elapsedMs: z.number(),
  respBytes: z.number(),
});
export type InflightRequest = z.infer<typeof InflightRequestSchema>;

export const GpuLiveSchema = z.object({
  id: z.number(),
  name: z.string(),
  tempC: z.number(),
  utilPct: z.number(),
  memUsedMb: z.number(),
  memTotalMb: z.number(),
  powerW: z.number(),
});

export const PerfLiveSchema = z.object({
  at: z.string(),
  cpuPct: z.number(),
  memUsedMb: z.number(),
  memTotalMb: z.number(),
  gpus: z.array(GpuLiveSchema),
});
export type PerfLive = z.infer<typeof PerfLiveSchema>;

/** What every live view knows about one host. Secrets (API keys, SSH keys) never appear here. */
export const HostSummarySchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: ProviderKindSchema,
  baseUrl: z.string(),
  source: z.enum(['config', 'ui', 'demo']),
  status: HostStatusSchema,
  statusReason: z.string().nullable(),
  lastError: z.string().nullable(),
  version: z.string().nullable(),
  epoch: z.number().int(),
  connectedAt: z.string().nullable(),
  models: z.array(LiveModelSchema),
  inflight: z.array(InflightRequestSchema),
  perf: PerfLiveSchema.nullable(),
  /** Requests in flight; `inflight` lists at most the 50 oldest, and legacy hosts only report a count. */
  inflightTotal: z.number().int().nonnegative().optional(),
  /** Protocol generation detected for llama-swap hosts (`head` = v236+, `v235` = legacy metrics). */
  wire: z.enum(['head', 'v235']).nullable().optional(),
  /** When `status` last changed (ISO time, control's clock). */
  statusSince: z.string().nullable().optional(),
});
export type HostSummary = z.infer<typeof HostSummarySchema>;
