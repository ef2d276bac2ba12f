import { z } from 'zod';
import { HostSummarySchema } from '../fleet';
import { JobFrameSchema, JobSchema } from '../jobs';
import { BenchLiveFrameSchema } from '../rest/bench-result';
import { AlertSchema } from '../rest/alerts';
import { EvalLiveFrameSchema } from '../rest/evals';

/**
 * Payload schemas per topic kind: what a `snapshot` and an `event` carry. Both control (before
 * it publishes) and the web client (when it receives) parse through these, which is what the
 * drift test checks. A feature adds its topic here, never an ad-hoc shape.
 */
export const FleetSnapshotSchema = z.object({ hosts: z.array(HostSummarySchema) });
export const FleetEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host'), host: HostSummarySchema }),
  z.object({ kind: z.literal('removed'), hostId: z.string() }),
]);

export const HostSnapshotSchema = z.object({ host: HostSummarySchema });
export const HostEventSchema = FleetEventSchema;

/** Queued and running jobs, and those that ended in the last minute. */
export const JobsSnapshotSchema = z.object({ jobs: z.array(JobSchema) });
export const JobsEventSchema = z.object({ kind: z.literal('job'), job: JobFrameSchema });

export const ActivityRowLiveSchema = z.object({
  id: z.string(),
  hostId: z.string(),
  upstreamId: z.number(),
  ts: z.string(),
  model: z.string(),
  path: z.string(),
  status: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheTokens: z.number(),
  promptTps: z.number().nullable(),
  genTps: z.number().nullable(),
  /**
   * Time to first token, ms: from the request reaching the host's proxy to its first generated
   * token (queueing, a model load it waited for, prompt processing). For llama-swap it is
   * `duration_ms − predicted_ms`, with llama-server's `timings` recovered from the row. null when
   * the host reported no timings for the request (embeddings, errors, non-llama.cpp backends).
   */
  ttftMs: z.number().nullable(),
  /** llama-server's own `prompt_ms`: prompt processing alone (cached tokens are not reprocessed). */
  promptMs: z.number().nullable(),
  durationMs: z.number(),
  error: z.string().nullable(),
  hasCapture: z.boolean(),
});
export type ActivityRowLive = z.infer<typeof ActivityRowLiveSchema>;
export const ActivitySnapshotSchema = z.object({ rows: z.array(ActivityRowLiveSchema) });
export const ActivityEventSchema = z.object({ kind: z.literal('rows'), rows: z.array(ActivityRowLiveSchema) });

export const LogsSnapshotSchema = z.object({ hostId: z.string(), source: z.string(), text: z.string() });
export const LogsEventSchema = z.object({ kind: z.literal('append'), text: z.string() });

/** Active bench runs (and those that ended in the last minute); one frame per progress step. */
export const BenchSnapshotSchema = z.object({ runs: z.array(BenchLiveFrameSchema) });
export const BenchEventSchema = z.object({ kind: z.literal('progress'), run: BenchLiveFrameSchema });

/** Firing alerts; an event carries one alert as it fires or resolves. */
export const AlertsSnapshotSchema = z.object({ alerts: z.array(AlertSchema) });
export const AlertsEventSchema = z.object({ kind: z.literal('alert'), alert: AlertSchema });

/** Active eval runs (and those that ended in the last minute); one frame per finished item. */
export const EvalsSnapshotSchema = z.object({ runs: z.array(EvalLiveFrameSchema) });
export const EvalsEventSchema = z.object({ kind: z.literal('progress'), run: EvalLiveFrameSchema });

export type TopicKind = 'fleet' | 'host' | 'jobs' | 'activity' | 'logs' | 'bench' | 'alerts' | 'evals';

export function topicKind(topic: string): TopicKind {
  const head = topic.split(':', 1)[0];
  return head as TopicKind;
}

export const TOPIC_SCHEMAS: Record<TopicKind, { snapshot: z.ZodType; event: z.ZodType }> = {
  fleet: { snapshot: FleetSnapshotSchema, event: FleetEventSchema },
  host: { snapshot: HostSnapshotSchema, event: HostEventSchema },
  jobs: { snapshot: JobsSnapshotSchema, event: JobsEventSchema },
  activity: { snapshot: ActivitySnapshotSchema, event: ActivityEventSchema },
  logs: { snapshot: LogsSnapshotSchema, event: LogsEventSchema },
  bench: { snapshot: BenchSnapshotSchema, event: BenchEventSchema },
  alerts: { snapshot: AlertsSnapshotSchema, event: AlertsEventSchema },
  evals: { snapshot: EvalsSnapshotSchema, event: EvalsEventSchema },
};

/** Validates a snapshot or event payload for its topic; throws a ZodError when it does not fit. */
export function parseTopicData(topic: string, frameType: 'snapshot' | 'event', data: unknown): unknown {
  const schemas = TOPIC_SCHEMAS[topicKind(topic)];
  if (!schemas) throw new Error(`no schema for topic ${topic}`);
  return schemas[frameType].parse(data);
}
