import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ActionHostIdSchema,
  ActivityListQuerySchema,
  BenchRunRequestSchema,
  ModelIdSchema,
  ModelListQuerySchema,
  SwitchRequestSchema,
  UnloadRequestSchema,
  WarmRequestSchema,
} from '@boocontrol/contracts';
import type { Reply } from '../cli/http';
import { followJob } from './follow-job';

/** How a tool reaches control: one REST call, with the caller's own credentials. */
export type RestCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

export interface ToolRun {
  call: RestCall;
  signal: AbortSignal;
  /** Reports progress to the client (a no-op when it asked for none). */
  progress(message: string): Promise<void>;
}

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  /** Changes nothing on a host (lets clients call it without asking). */
  readOnly: boolean;
  run(args: any, run: ToolRun): Promise<Reply>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A retry of a tool call with the same key gets the same job (the REST Idempotency-Key). */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,200}$/).optional().describe('Idempotency-Key: a retry with the same key gets the same job instead of a second one');

const qs = (q: Record<string, unknown>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  return p.size ? `?${p}` : '';
};

/** The blocking verbs: queue with wait:false, follow the job's stages as progress, then ask again for the final answer. */
function blockingAction(name: string, title: string, path: string, input: z.ZodObject, description: string): ToolDef {
  return {
    name,
    title,
    description,
    input: input.extend({ idempotencyKey: IdempotencyKey }),
    readOnly: false,
    async run(args: Record<string, unknown> & { idempotencyKey?: string; timeoutMs?: number }, run) {
      const { idempotencyKey, ...body } = args;
      const headers = { 'idempotency-key': idempotencyKey ?? `mcp-${randomUUID()}` };
      const queued = await run.call('POST', path, { ...body, wait: false }, headers);
      if (queued.status !== 202) return queued;
      const job = await followJob(run, queued.body.job.id as string, body.timeoutMs ?? 600_000);
      if (!job.terminal) return job.reply;
      // The same request with the same key: control answers from the finished job (200, or its typed error).
      return run.call('POST', path, body, headers);
    },
  };
}

export const TOOLS: ToolDef[] = [
  {
    name: 'fleet_status',
    title: 'Fleet status',
    description: 'Per host: status, loaded models, in-flight requests, the running job and how many wait.',
    input: z.object({}),
    readOnly: true,
    run: (_a, run) => run.call('GET', '/api/control/status'),
  },
  {
    name: 'list_models',
    title: 'List models',
    description: 'Every model across the fleet with its state and median speeds (optionally one host).',
    input: ModelListQuerySchema,
    readOnly: true,
    run: (a, run) => run.call('GET', `/api/control/models${qs(a)}`),
  },
  blockingAction('switch_model', 'Switch model', '/api/control/switch', SwitchRequestSchema.omit({ wait: true }), 'Switch a host to a model and wait until it answers healthy. The job stages (queued, stopping, starting, loading, ready) arrive as progress notifications. host may be omitted when one host has the model.'),
  blockingAction('warm_model', 'Warm model', '/api/control/warm', WarmRequestSchema.omit({ wait: true }), 'Load a model (llama-swap evicts per its groups) and wait until it is ready, with stages as progress.'),
  blockingAction('unload_model', 'Unload model', '/api/control/unload', UnloadRequestSchema.omit({ wait: true }), 'Unload one model, or every model of a host, and wait until they stopped.'),
  {
    name: 'recent_activity',
    title: 'Recent activity',
    description: 'Stored requests across the fleet, newest first, with filters (host, model, status, time range, text) and cursor paging.',
    input: ActivityListQuerySchema.extend({ limit: ActivityListQuerySchema.shape.limit.unwrap().default(20) }),
    readOnly: true,
    run: (a, run) => run.call('GET', `/api/control/activity${qs(a)}`),
  },
  {
    name: 'run_benchmark',
    title: 'Run benchmark',
    description: 'Start a speed benchmark of a model (a job on the host lane); answers at once with the job and runId — poll get_benchmark.',
    input: BenchRunRequestSchema.extend({ idempotencyKey: IdempotencyKey }),
    readOnly: false,
    run: ({ idempotencyKey, ...body }, run) => run.call('POST', '/api/control/bench/runs', body, { 'idempotency-key': idempotencyKey ?? `mcp-${randomUUID()}` }),
  },
  {
    name: 'get_benchmark',
    title: 'Get benchmark',
    description: 'One benchmark run: status, points, summary.',
    input: z.object({ id: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/) }),
    readOnly: true,
    run: (a: { id: string }, run) => run.call('GET', `/api/control/bench/runs/${encodeURIComponent(a.id)}`),
  },
  {
    name: 'run_eval',
    title: 'Run eval',
    // The eval request contract is not in packages/contracts yet; this is its minimal shape and passes other fields on.
    description: 'Start an eval suite against a model; answers at once with the job and runId — then get_scoreboard.',
    input: z.looseObject({ suite: z.string().min(1).max(100), model: ModelIdSchema, host: ActionHostIdSchema.optional(), idempotencyKey: IdempotencyKey }),
    readOnly: false,
    run: ({ idempotencyKey, ...body }, run) => run.call('POST', '/api/control/evals/runs', body, { 'idempotency-key': idempotencyKey ?? `mcp-${randomUUID()}` }),
  },
  {
    name: 'get_scoreboard',
    title: 'Get scoreboard',
    description: 'Eval scores per model (optionally one suite).',
    input: z.object({ suite: z.string().min(1).max(100).optional() }),
    readOnly: true,
    run: (a, run) => run.call('GET', `/api/control/evals/scoreboard${qs(a)}`),
  },
];
