import type { FastifyError, FastifyInstance } from 'fastify';
import { statusForCode, type ErrorBody, type ErrorCode } from '@boocontrol/contracts';
import { isAppError } from '../lib/errors';

/** Fastify's own client errors (bad JSON, body too large, wrong content type) keep their meaning. */
function fastifyCode(err: FastifyError): ErrorCode | undefined {
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err.statusCode === 400 && err instanceof SyntaxError)) return 'BAD_JSON';
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'PAYLOAD_TOO_LARGE';
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return 'VALIDATION';
  return undefined;
}

/** The single place that maps errors to HTTP: typed codes → status; anything else → INTERNAL. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let body: ErrorBody;
    let status: number;
    if (isAppError(err)) {
      status = statusForCode(err.code);
      body = { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
      if (status >= 500) req.log.warn({ code: err.code, msg: err.message }, 'request failed');
    } else {
      const code = fastifyCode(err);
      if (code) {
        status = statusForCode(code);
        body = { error: { code, message: err.message } };
      } else {
        status = 500;
        req.log.error({ err }, 'unhandled error');
        body = { error: { code: 'INTERNAL', message: 'internal error; see the control log', requestId: req.id } };
      }
    }
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } } satisfies ErrorBody);
  });
}
