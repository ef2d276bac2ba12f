import type { Reply } from './http';
/** What every `boo` command shares: exit codes, usage errors, one error-to-exit-code mapping. */

/**
 * Exit codes scripts can rely on:
 *   0 ok · 1 the action failed · 2 usage error · 3 timed out (the job keeps running; its id is
 *   printed) · 4 not found or ambiguous · 5 control unreachable · 6 not authorized (no token,
 *   a bad one, or one without the scope)
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 3, NOT_FOUND: 4, UNREACHABLE: 5, AUTH: 6 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export class UsageError extends Error {}

export type { Reply } from './http';
export { Unreachable } from './http';

/** Maps an error reply to an exit code and prints it. */
export function failure(io: CliIo, r: Reply): number {
  const e = r.body?.error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  io.err(`boo: ${e?.message ?? `HTTP ${r.status}`}`);
  const cands = e?.details?.candidates as Array<{ host: string; model: string; state: string }> | undefined;
  if (cands) for (const c of cands) io.err(`  --host ${c.host}   (${c.model}, ${c.state})`);
  const jobId = e?.details?.jobId;
  if (typeof jobId === 'string') io.err(`  job ${jobId}: boo job ${jobId}`);
  if (r.status === 401) io.err('  control wants an API token: --token, $BOO_TOKEN or $BOO_TOKEN_FILE (docs/access.md)');
  if (r.status === 401 || r.status === 403 || e?.code === 'AUTH_RATE_LIMITED') return EXIT.AUTH;
  if (r.status === 504 || e?.code === 'TIMEOUT') return EXIT.TIMEOUT;
  if (r.status === 404 || e?.code === 'AMBIGUOUS_MODEL') return EXIT.NOT_FOUND;
  if (r.status === 400) return EXIT.USAGE;
  if (r.status === 502 && e?.code === 'CONTROL_UNAVAILABLE') return EXIT.UNREACHABLE;
  return EXIT.FAILED;
}

