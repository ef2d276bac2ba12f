/** The REST plumbing every `boo` command shares: one fetch, one error-to-exit-code mapping. */

/**
 * Exit codes scripts can rely on:
 *   0 ok · 1 the action failed · 2 usage error · 3 timed out (the job keeps running; its id is
 *   printed) · 4 not found or ambiguous · 5 control unreachable
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 3, NOT_FOUND: 4, UNREACHABLE: 5 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export class UsageError extends Error {}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Unreachable extends Error {}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Unreachable(`cannot reach control at ${base}: ${cause?.code ?? cause?.message ?? String(err)}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, body: parsed };
}

/** Maps an error reply to an exit code and prints it. */
export function failure(io: CliIo, r: Reply): number {
  const e = r.body?.error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
  io.err(`boo: ${e?.message ?? `HTTP ${r.status}`}`);
  const cands = e?.details?.candidates as Array<{ host: string; model: string; state: string }> | undefined;
  if (cands) for (const c of cands) io.err(`  --host ${c.host}   (${c.model}, ${c.state})`);
  const jobId = e?.details?.jobId;
  if (typeof jobId === 'string') io.err(`  job ${jobId}: boo job ${jobId}`);
  if (r.status === 504 || e?.code === 'TIMEOUT') return EXIT.TIMEOUT;
  if (r.status === 404 || e?.code === 'AMBIGUOUS_MODEL') return EXIT.NOT_FOUND;
  if (r.status === 400) return EXIT.USAGE;
  if (r.status === 502 && e?.code === 'CONTROL_UNAVAILABLE') return EXIT.UNREACHABLE;
  return EXIT.FAILED;
}

