import type { ServerResponse } from 'node:http';
import { statusForCode, type ErrorCode } from '@boocontrol/contracts';
import { AppError, isAppError } from '../lib/errors';

/**
 * /v1 errors use OpenAI's shape, `{error: {message, type, param, code}}`, because OpenAI clients
 * read exactly that (the `openai` package raises `APIError` with `.type` and `.code`). `code` is
 * the house error code (NO_ROUTE, HOST_LEASED…), `type` OpenAI's category, and `details` carries
 * what the house error has (candidates, the lease holder). docs/gateway.md has the table.
 */
const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function openAiType(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: ErrorCode; details?: unknown };
}

export function openAiError(err: AppError): { status: number; body: OpenAiErrorBody } {
  const status = statusForCode(err.code);
  const details = err.details as { param?: unknown } | undefined;
  const param = details && typeof details.param === 'string' ? details.param : null;
  return {
    status,
    body: { error: { message: err.message, type: openAiType(status), param, code: err.code, ...(err.details !== undefined ? { details: err.details } : {}) } },
  };
}

/** Writes an error to a raw response; anything that is not an AppError is INTERNAL (never its message). */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): number {
  const e = isAppError(err) ? err : new AppError('INTERNAL', 'internal gateway error; see the control log');
  const { status, body } = openAiError(e);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
  return status;
}
