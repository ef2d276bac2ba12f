import { z } from 'zod';

/**
 * Stable error codes. Clients (the web app, curl users, agents) branch on these, so a code is
 * never renamed; new ones may be added. The HTTP status for each lives here too so that every
 * transport maps them the same way.
 */
export const ERROR_STATUS = {
  VALIDATION: 400,
  BAD_JSON: 400,
  /** No credentials, or a token that is unknown, expired or revoked (one message for all three). */
  UNAUTHORIZED: 401,
  /** Authenticated, but the token's scope does not cover the route; or a refused origin/address. */
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** The path exists but not with this method (the stateless MCP endpoint's GET and DELETE). */
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  AMBIGUOUS_MODEL: 409,
  /** A bench spec outside the limits in rest/bench.ts (details: the zod issues). */
  BENCH_INVALID_SPEC: 400,
  /** A bench JSONL workload line that is not a valid prompt (details: { line, reason }). */
  BENCH_BAD_JSONL: 400,
  /** The host serves other traffic and the bench did not ask to take it over. */
  HOST_BUSY: 409,
  /** Another bench or eval holds the host's lease (details: the holder). */
  LEASE_HELD: 409,
  /** A report range that is empty, reversed, or longer than REPORT_MAX_DAYS (details: { from, to }). */
  BAD_RANGE: 400,
  /** The alert rules file does not parse or validate (details: the issues, with paths). */
  ALERTS_FILE_INVALID: 400,
  /** No such eval suite (details: { suite, known }). */
  EVAL_UNKNOWN_SUITE: 404,
  /** A suite file that does not parse or validate (details: { file, line, reason }). */
  EVAL_SUITE_INVALID: 400,
  /** An import source that is not HumanEval/MBPP-style or prompt/reference JSONL (details: { file, line, reason }). */
  EVAL_IMPORT_INVALID: 400,
  /** An eval run request outside the limits (details: the zod issues). */
  EVAL_INVALID_RUN: 400,
  /** The judge model is not served by the judge host (details: { host, model, models }). */
  EVAL_JUDGE_NOT_FOUND: 404,
  /** The candidate model answered with an error or not at all (details: { item, status }). */
  EVAL_MODEL_ERROR: 502,
  /** Code evals refused: bubblewrap is missing or blocked, or its self-test failed (never run unsandboxed). */
  SANDBOX_UNAVAILABLE: 503,
  PAYLOAD_TOO_LARGE: 413,
  BUSY: 429,
  /** Too many failed authentication attempts from one address (Retry-After says when to retry). */
  AUTH_RATE_LIMITED: 429,
  CANCELLED: 409,
  /** A queued job replaced by a newer one with the same supersede key (detail.supersededBy). */
  SUPERSEDED: 409,
  /** A job whose owning control process stopped (or died) before it finished. */
  INTERRUPTED: 409,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  CONTROL_UNAVAILABLE: 502,
  SSH_FAILED: 502,
  /** A host script action ran and exited non-zero (job detail has exitCode and stderr). */
  SCRIPT_FAILED: 502,
  /** A config apply broke the host's health and was rolled back to the backup (job detail.rolledBack). */
  ROLLED_BACK: 502,
  UPSTREAM_UNAVAILABLE: 503,
  /** Gateway: every candidate host is held by the fleet lease (bench/eval); Retry-After says when to retry. */
  HOST_LEASED: 503,
  /** Gateway: no host serves the requested model, or no candidate passes a policy's filters (details.candidates). */
  NO_ROUTE: 404,
  /** Gateway: the routing file (ROUTING_FILE) or a policy sent over REST is invalid (details.issues with lines). */
  ROUTING_INVALID: 400,
  DB_UNAVAILABLE: 503,
  TIMEOUT: 504,
  // WS-only codes (sent in `error` frames; the status is what an HTTP equivalent would use).
  PROTOCOL_MISMATCH: 400,
  BAD_FRAME: 400,
  FRAME_TOO_LARGE: 413,
  UNKNOWN_TOPIC: 404,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    requestId: z.string().optional(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export function statusForCode(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
