import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  ActionResultSchema,
  CancelInflightParamsSchema,
  ControlStatusSchema,
  HostActionParamsSchema,
  HostActionsPutSchema,
  HostActionsSchema,
  HostParamsSchema,
  PickerSchema,
  RunHostActionRequestSchema,
  SlotStatusListSchema,
  SwitchRequestSchema,
  UnloadRequestSchema,
  WarmRequestSchema,
  IdempotencyHeadersSchema,
} from '@boocontrol/contracts';
import type { RouteRegistry } from '../http/route';
import { route } from '../http/route';
import type { ActionOutcome, ActionsService } from './actions.service';
import type { ActionsStatusService } from './status.service';
import type { SlotProbe } from './slots';

/** 200 with the finished job, or 202 with the queued one (wait: false). */
function send(reply: FastifyReply, r: ActionOutcome): undefined {
  void reply.code(r.finished ? 200 : 202).send(r.result);
  return undefined;
}

const ACTION_ERRORS = {
  202: 'wait: false — the queued job',
  404: 'NOT_FOUND: no such host, model or action',
  409: 'AMBIGUOUS_MODEL (details.candidates) / CANCELLED (superseded or interrupted; details.jobId)',
  429: 'BUSY: the host queue is full',
  502: 'UPSTREAM_ERROR / SSH_FAILED / SCRIPT_FAILED: the job failed (details.job)',
  504: 'TIMEOUT: still running after timeoutMs (details.jobId); the job continues',
};

export function registerActionRoutes(app: FastifyInstance, registry: RouteRegistry, svc: ActionsService, status: ActionsStatusService, slots: SlotProbe): void {
  route(app, registry, {
    method: 'GET',
    url: '/api/control/status',
    summary: 'Per host: loaded models, health, uptime, in-flight requests, the running job and queue length',
    tags: ['actions'],
    response: ControlStatusSchema,
    handler: () => status.status(),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/switch',
    summary: 'Switch a host to a model and block until it answers healthy (Idempotency-Key supported)',
    tags: ['actions'],
    body: SwitchRequestSchema,
    response: ActionResultSchema,
    errors: ACTION_ERRORS,
    headers: IdempotencyHeadersSchema,
    handler: async ({ body, headers, reply }) => send(reply, await svc.switch(body, { timeoutMs: body.timeoutMs, wait: body.wait, idempotencyKey: headers['idempotency-key'] })),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/warm',
    summary: 'Load a model (llama-swap evicts per its groups) and block until it is ready',
    tags: ['actions'],
    body: WarmRequestSchema,
    response: ActionResultSchema,
    errors: ACTION_ERRORS,
    headers: IdempotencyHeadersSchema,
    handler: async ({ body, headers, reply }) => send(reply, await svc.warm(body, { timeoutMs: body.timeoutMs, wait: body.wait, idempotencyKey: headers['idempotency-key'] })),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/unload',
    summary: 'Unload one model, or every model of a host; blocks until they stopped',
    tags: ['actions'],
    body: UnloadRequestSchema,
    response: ActionResultSchema,
    errors: ACTION_ERRORS,
    headers: IdempotencyHeadersSchema,
    handler: async ({ body, headers, reply }) => send(reply, await svc.unload(body, { timeoutMs: body.timeoutMs, wait: body.wait, idempotencyKey: headers['idempotency-key'] })),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/picker',
    summary: 'Everything the model picker offers: models and script actions with category, order, slot',
    tags: ['actions'],
    response: PickerSchema,
    handler: async () => ({ entries: await status.picker() }),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/actions',
    summary: "A host's script actions",
    tags: ['actions'],
    params: HostParamsSchema,
    response: HostActionsSchema,
    handler: ({ params }) => status.getActions(params.id),
  });
  route(app, registry, {
    method: 'PUT',
    url: '/api/control/hosts/:id/actions',
    // Script actions are shell commands run over SSH: defining them is admin, running them is act.
    scope: 'admin',
    summary: "Replace a host's script actions (validated; persisted)",
    tags: ['actions'],
    params: HostParamsSchema,
    body: HostActionsPutSchema,
    response: HostActionsSchema,
    handler: ({ params, body }) => status.putActions(params.id, body.actions),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/hosts/:id/actions/:actionId/run',
    summary: 'Run a script action over SSH through the host queue (output streams on the jobs topic)',
    tags: ['actions'],
    params: HostActionParamsSchema,
    body: RunHostActionRequestSchema,
    response: ActionResultSchema,
    errors: ACTION_ERRORS,
    headers: IdempotencyHeadersSchema,
    handler: async ({ params, body, headers, reply }) => send(reply, await svc.runAction(params.id, params.actionId, { timeoutMs: body.timeoutMs, wait: body.wait, idempotencyKey: headers['idempotency-key'] })),
  });
  route(app, registry, {
    method: 'POST',
    url: '/api/control/hosts/:id/inflight/:reqId/cancel',
    summary: 'Cancel one in-flight request on a llama-swap host (v235+)',
    tags: ['actions'],
    params: CancelInflightParamsSchema,
    body: z.object({}).optional(),
    response: ActionResultSchema,
    errors: ACTION_ERRORS,
    headers: IdempotencyHeadersSchema,
    handler: async ({ params, headers, reply }) => send(reply, await svc.cancelInflight(params.id, params.reqId, { idempotencyKey: headers['idempotency-key'] })),
  });
  route(app, registry, {
    method: 'GET',
    url: '/api/control/hosts/:id/slots',
    summary: "Live /health and /v1/models of a script host's slots",
    tags: ['actions'],
    params: HostParamsSchema,
    response: SlotStatusListSchema,
    handler: ({ params }) => slots.probe(params.id),
  });
}
