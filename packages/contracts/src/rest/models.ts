import { z } from 'zod';
import { ModelStateSchema } from '../fleet';
import type { HostSummary, LiveModel } from '../fleet';

const IsoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an ISO 8601 time');

/** One model on one host: live state from the connector, usage from stored activity. */
export const FleetModelSchema = z.object({
  /** `<hostId>/<modelId>`: unique across the fleet. */
  key: z.string(),
  hostId: z.string(),
  hostLabel: z.string(),
  hostStatus: z.string(),
  id: z.string(),
  name: z.string(),
  state: ModelStateSchema,
  /** When the current state was entered. */
  since: z.string().nullable(),
  aliases: z.array(z.string()),
  contextLength: z.number().nullable(),
  lastUsedAt: z.string().nullable(),
  requests: z.number().int(),
  errors: z.number().int(),
  medianPromptTps: z.number().nullable(),
  medianGenTps: z.number().nullable(),
  /** Median of observed starting → ready times. */
  medianLoadMs: z.number().nullable(),
});
export type FleetModel = z.infer<typeof FleetModelSchema>;

/** The usage half of a FleetModel: figures from stored activity and transitions. */
export type ModelUsage = Pick<FleetModel, 'lastUsedAt' | 'requests' | 'errors' | 'medianPromptTps' | 'medianGenTps' | 'medianLoadMs'>;

/**
 * One row of the fleet's model list: live state from the host, usage when there is any. Control
 * builds the REST list with it, and the page rebuilds rows with it when live state moves on before
 * the next list arrives, so both always agree on the shape.
 */
export function fleetModelRow(host: Pick<HostSummary, 'id' | 'label' | 'status'>, m: LiveModel, usage: ModelUsage | undefined): FleetModel {
  return {
    key: `${host.id}/${m.id}`,
    hostId: host.id,
    hostLabel: host.label,
    hostStatus: host.status,
    id: m.id,
    name: m.name || m.id,
    state: m.state,
    since: m.since,
    aliases: m.aliases,
    contextLength: m.contextLength,
    lastUsedAt: usage?.lastUsedAt ?? null,
    requests: usage?.requests ?? 0,
    errors: usage?.errors ?? 0,
    medianPromptTps: usage?.medianPromptTps ?? null,
    medianGenTps: usage?.medianGenTps ?? null,
    medianLoadMs: usage?.medianLoadMs ?? null,
  };
}

export const ModelListQuerySchema = z.object({
  host: z.string().optional(),
  /** Usage figures cover this window; default 30 days. */
  days: z.coerce.number().int().min(1).max(365).default(30),
});
export const ModelListSchema = z.object({ models: z.array(FleetModelSchema), since: z.string() });
export type ModelList = z.infer<typeof ModelListSchema>;

export const TransitionSchema = z.object({
  id: z.string(),
  hostId: z.string(),
  model: z.string(),
  from: ModelStateSchema,
  to: ModelStateSchema,
  at: z.string(),
  loadMs: z.number().nullable(),
});
export const TransitionListQuerySchema = z.object({
  model: z.string().optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const TransitionListSchema = z.object({ transitions: z.array(TransitionSchema) });
export type TransitionList = z.infer<typeof TransitionListSchema>;
