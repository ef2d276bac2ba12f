import { z } from 'zod';
import { HostStatusSchema, ModelStateSchema } from '../fleet';
import { JobSchema } from '../jobs';
import { ProviderKindSchema } from '../llama-providers';

/**
 * Actions (issue 5): switch / warm / unload a model on a host, and script actions run over SSH,
 * all through the per-host queue. The agent API blocks until the job is finished (or its
 * `timeoutMs` passes: 504 with the job id in error.details).
 */

/** llama-swap model ids: letters, digits and `._:/@+-`, no `..` segment (never reaches a shell unquoted). */
export const ModelIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, 'model: letters, digits and . _ : / @ + - only')
  .refine((s) => !s.split('/').includes('..'), 'model must not contain ".." segments');

export const ActionHostIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'host id: lowercase letters, digits, "-" or "_"');

/** How long an agent call blocks (ms). The job keeps running after the wait gives up. */
export const WaitTimeoutSchema = z.number().int().min(100).max(3_600_000);

export const SwitchRequestSchema = z.strictObject({
  model: ModelIdSchema,
  /** May be omitted when exactly one host has the model (else 409 AMBIGUOUS_MODEL). */
  host: ActionHostIdSchema.optional(),
  /** Also unload every other model on the host (llama-swap only evicts per its groups). */
  exclusive: z.boolean().optional(),
  timeoutMs: WaitTimeoutSchema.optional(),
  /** false: return 202 with the queued job at once instead of blocking. */
  wait: z.boolean().optional(),
});
export type SwitchRequest = z.infer<typeof SwitchRequestSchema>;

export const WarmRequestSchema = SwitchRequestSchema.omit({ exclusive: true });
export type WarmRequest = z.infer<typeof WarmRequestSchema>;

export const UnloadRequestSchema = z.strictObject({
  host: ActionHostIdSchema,
  /** Absent: unload every model on the host. */
  model: ModelIdSchema.optional(),
  timeoutMs: WaitTimeoutSchema.optional(),
  wait: z.boolean().optional(),
});
export type UnloadRequest = z.infer<typeof UnloadRequestSchema>;

/** Stages of a switch/warm, in job.detail.stage. */
export const ActionStageSchema = z.enum(['queued', 'stopping', 'starting', 'loading', 'ready', 'stopped', 'running', 'done', 'failed', 'cancelled']);
export type ActionStage = z.infer<typeof ActionStageSchema>;

/** The answer of switch / warm / unload / run: the finished (or, with wait:false, queued) job. */
export const ActionResultSchema = z.object({
  job: JobSchema,
  host: z.string(),
  model: z.string().nullable(),
  /** Milliseconds llama-swap took to make the model ready (0 when it already was). */
  loadMs: z.number().nullable(),
  alreadyReady: z.boolean(),
  /** true when an Idempotency-Key matched an earlier request: this is that request's job. */
  replayed: z.boolean(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

/** 409 AMBIGUOUS_MODEL details. */
export const ModelCandidatesSchema = z.object({ model: z.string(), candidates: z.array(z.object({ host: z.string(), model: z.string(), state: ModelStateSchema })) });

export const HostStatusEntrySchema = z.object({
  id: z.string(),
  label: z.string(),
  kind: ProviderKindSchema,
  status: HostStatusSchema,
  statusReason: z.string().nullable(),
  /** Models that are starting, ready or stopping. */
  loaded: z.array(z.object({ id: z.string(), state: ModelStateSchema, since: z.string().nullable() })),
  /** Seconds since control connected to the host (null while not connected). */
  uptimeS: z.number().nullable(),
  inflight: z.number().int(),
  /** The job running on the host's queue, and how many wait behind it. */
  activeJob: z.object({ id: z.string(), jobType: z.string(), stage: z.string().nullable(), model: z.string().nullable() }).nullable(),
  queued: z.number().int(),
  /** Script actions configured for the host (SSH script hosts). */
  actions: z.number().int(),
});
export const ControlStatusSchema = z.object({ hosts: z.array(HostStatusEntrySchema), at: z.string() });
export type ControlStatus = z.infer<typeof ControlStatusSchema>;

// ---- SSH script actions (seed 000: the Spark switcher) -------------------------------------

export const ActionCategorySchema = z.enum(['Allround', 'Coding', 'Long-context', 'Uncensored-ish', 'Other']);
export type ActionCategory = z.infer<typeof ActionCategorySchema>;
export const ActionSlotSchema = z.enum(['primary', 'secondary']);
export type ActionSlot = z.infer<typeof ActionSlotSchema>;

export const HostActionIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'action id: letters, digits, ".", "_" or "-" (max 64)');

const oneLine = (s: string) => !/[\u0000\r\n]/.test(s);
const noControl = (s: string) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s);

/** A remote path: absolute or `~/`-relative, no `..`, no control characters. */
export const RemotePathSchema = z
  .string()
  .min(2)
  .max(1024)
  .refine(noControl, 'remote_path must not contain control characters')
  .refine((s) => s.startsWith('/') || s.startsWith('~/'), 'remote_path must be absolute or start with ~/')
  .refine((s) => !s.split('/').includes('..'), 'remote_path must not contain ".." segments');

/**
 * One button of a script host. Exactly one of `command` (a command line written by the admin,
 * run as-is by the remote login shell) or `remote_path` (a script path, run with no arguments).
 */
export const HostActionSchema = z
  .strictObject({
    id: HostActionIdSchema,
    label: z.string().min(1).max(120).refine(oneLine, 'label must be one line'),
    category: ActionCategorySchema.default('Other'),
    /** Smaller first within a category. */
    order: z.number().int().min(-100000).max(100000).default(100),
    slot: ActionSlotSchema.optional(),
    /** Port hint shown in the UI (typically 30001 primary, 30000 secondary). */
    port: z.number().int().min(1).max(65535).optional(),
    description: z.string().max(500).default(''),
    command: z.string().min(1).max(4096).refine((s) => !s.includes('\u0000'), 'command must not contain NUL').optional(),
    remote_path: RemotePathSchema.optional(),
    /** Model id the action makes available (lets `switch {model}` pick this action). */
    model: ModelIdSchema.optional(),
    timeoutS: z.number().int().min(1).max(24 * 3600).default(600),
    /** Marks "stop" style actions (Stop secondary / Stop all); shown apart in the picker. */
    kind: z.enum(['switch', 'stop', 'other']).default('switch'),
  })
  .refine((a) => Boolean(a.command) !== Boolean(a.remote_path), { message: 'exactly one of command or remote_path is required', path: ['command'] });
export type HostAction = z.infer<typeof HostActionSchema>;
export type HostActionInput = z.input<typeof HostActionSchema>;

export const HostActionListSchema = z.array(HostActionSchema).max(200).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, a] of list.entries()) {
    if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate action id "${a.id}"` });
    seen.add(a.id);
  }
});

export const HostActionsSchema = z.object({ hostId: z.string(), actions: z.array(HostActionSchema), sshConfigured: z.boolean() });
export type HostActions = z.infer<typeof HostActionsSchema>;
export const HostActionsPutSchema = z.object({ actions: HostActionListSchema });

export const RunHostActionRequestSchema = z.strictObject({ timeoutMs: WaitTimeoutSchema.optional(), wait: z.boolean().optional() });
export const HostActionParamsSchema = z.object({ id: ActionHostIdSchema, actionId: HostActionIdSchema });

export const CancelInflightParamsSchema = z.object({ id: ActionHostIdSchema, reqId: z.string().regex(/^[0-9]{1,18}$/, 'in-flight ids are decimal numbers') });

// ---- Model picker (UI, CLI): every switchable target, grouped and ordered -----------------

export const PickerEntrySchema = z.object({
  /** What to send: a llama-swap model id, or a script action id. */
  kind: z.enum(['model', 'action']),
  host: z.string(),
  hostLabel: z.string(),
  id: z.string(),
  label: z.string(),
  description: z.string(),
  category: ActionCategorySchema,
  order: z.number(),
  slot: ActionSlotSchema.nullable(),
  port: z.number().nullable(),
  state: ModelStateSchema.nullable(),
  actionKind: z.enum(['switch', 'stop', 'other']).nullable(),
});
export type PickerEntry = z.infer<typeof PickerEntrySchema>;
export const PickerSchema = z.object({ entries: z.array(PickerEntrySchema) });

/** Live status of a script host's OpenAI-compatible slots (seed 000: /health and /v1/models per slot). */
export const SlotStatusSchema = z.object({
  slot: ActionSlotSchema,
  url: z.string(),
  healthy: z.boolean(),
  models: z.array(z.string()),
  error: z.string().nullable(),
  elapsedMs: z.number(),
});
export const SlotStatusListSchema = z.object({ hostId: z.string(), slots: z.array(SlotStatusSchema) });
export type SlotStatusList = z.infer<typeof SlotStatusListSchema>;

/**
 * Headers of the mutating action routes. `Idempotency-Key` (1–200 visible ASCII characters): a
 * retry with the same key gets the same job instead of a second one.
 */
export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key must be 1..200 visible ASCII characters')
    .optional(),
});
export type IdempotencyHeaders = z.infer<typeof IdempotencyHeadersSchema>;
