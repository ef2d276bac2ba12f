import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { table, fmtMs } from './format';
import { EVAL_USAGE, evalCli } from './eval-cli';

/**
 * `pnpm boo …`: a thin client of the REST API (the same service functions the UI and agents
 * use). Exit codes scripts can rely on:
 *   0 ok · 1 the action failed · 2 usage error · 3 timed out (the job keeps running; its id is
 *   printed) · 4 not found or ambiguous · 5 control unreachable
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 3, NOT_FOUND: 4, UNREACHABLE: 5 } as const;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: boo <command> [options]

  status                                  hosts, loaded models, in-flight, running job
  models [--host h]                       every model in the fleet
  switch <model> [--host h] [--exclusive] [--timeout s]
                                          switch a host to a model; returns when it is ready
  warm <model> [--host h] [--timeout s]   load a model without unloading others explicitly
  unload <host> [model] [--timeout s]     unload one model, or every model of the host
  actions <host>                          script actions of a host
  run <host> <action> [--timeout s]       run a script action over SSH
  job <id>                                one job with its output
${EVAL_USAGE}

options: --url <control url> (default $BOO_URL or http://127.0.0.1:9500), --json, --no-wait,
         --key <Idempotency-Key> (default: a fresh one per call, so a retry by hand is a new request)

exit codes: 0 ok, 1 failed, 2 usage, 3 timeout, 4 not found/ambiguous, 5 unreachable`;

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

class Unreachable extends Error {}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
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
function failure(io: CliIo, r: Reply): number {
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

function describeResult(body: any): string {
  const j = body.job;
  const what = j.jobType === 'unload' ? `unloaded ${body.model ?? 'every model'} on ${body.host}` : `${body.model ?? j.params.action ?? j.jobType} on ${body.host}`;
  if (j.status !== 'succeeded') return `${what}: job ${j.id} is ${j.status}`;
  if (body.alreadyReady) return `${what}: already ready`;
  if (j.jobType === 'unload') return `${what} (${fmtMs(j.detail.elapsedMs)})`;
  const load = typeof body.loadMs === 'number' ? `, load ${fmtMs(body.loadMs)}` : '';
  return `${what}: ready in ${fmtMs(j.detail.elapsedMs)}${load}`;
}

export async function runCli(argv: string[], env: { BOO_URL?: string | undefined }, io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.err(`boo: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const { values: o, positionals: [cmd, ...rest] } = args;
  if (o.help || !cmd) {
    (cmd ? io.out : io.err)(USAGE);
    return o.help ? EXIT.OK : EXIT.USAGE;
  }
  const base = (o.url ?? env.BOO_URL ?? 'http://127.0.0.1:9500').replace(/\/+$/, '');
  const timeoutMs = o.timeout !== undefined ? Math.round(Number(o.timeout) * 1000) : undefined;
  if (timeoutMs !== undefined && !(timeoutMs >= 100)) {
    io.err('boo: --timeout takes seconds (at least 0.1)');
    return EXIT.USAGE;
  }
  const wait = o['no-wait'] ? { wait: false } : {};
  const idem = { 'idempotency-key': o.key ?? randomUUID() };
  const need = (n: number, what: string) => {
    if (rest.length < n) throw new UsageError(`${cmd} needs ${what}`);
  };
  const print = (body: unknown, human: () => void) => (o.json ? io.out(JSON.stringify(body, null, 2)) : human());
  const action = async (path: string, body: Record<string, unknown>) => {
    const r = await call(base, 'POST', path, { ...body, ...(timeoutMs ? { timeoutMs } : {}), ...wait }, idem);
    if (r.status === 200 || r.status === 202) {
      print(r.body, () => io.out(r.status === 202 ? `queued: job ${r.body.job.id}` : describeResult(r.body)));
      return EXIT.OK;
    }
    if (o.json) io.out(JSON.stringify(r.body, null, 2));
    return failure(io, r);
  };
  try {
    switch (cmd) {
      case 'status': {
        const r = await call(base, 'GET', '/api/control/status');
        if (r.status !== 200) return failure(io, r);
        print(r.body, () =>
          io.out(
            table(
              ['HOST', 'STATUS', 'LOADED', 'INFLIGHT', 'JOB', 'QUEUED'],
              r.body.hosts.map((h: any) => [
                h.id,
                h.status,
                h.loaded.map((m: any) => (m.state === 'ready' ? m.id : `${m.id} (${m.state})`)).join(', ') || '-',
                String(h.inflight),
                h.activeJob ? `${h.activeJob.jobType} ${h.activeJob.model ?? ''} ${h.activeJob.stage ?? ''}`.trim() : '-',
                String(h.queued),
              ]),
            ),
          ),
        );
        return EXIT.OK;
      }
      case 'models': {
        const r = await call(base, 'GET', `/api/control/models${o.host ? `?host=${encodeURIComponent(o.host)}` : ''}`);
        if (r.status !== 200) return failure(io, r);
        const tps = (v: number | null) => (v === null ? '-' : v.toFixed(1));
        print(r.body, () =>
          io.out(table(['HOST', 'MODEL', 'STATE', 'PROMPT t/s', 'GEN t/s', 'LOAD'], r.body.models.map((m: any) => [m.hostId, m.id, m.state, tps(m.medianPromptTps), tps(m.medianGenTps), m.medianLoadMs === null ? '-' : fmtMs(m.medianLoadMs)]))),
        );
        return EXIT.OK;
      }
      case 'switch':
      case 'warm':
        need(1, 'a model');
        return await action(`/api/control/${cmd}`, { model: rest[0], ...(o.host ? { host: o.host } : {}), ...(cmd === 'switch' && o.exclusive ? { exclusive: true } : {}) });
      case 'unload': {
        const host = o.host ?? rest[0];
        const model = o.host ? rest[0] : rest[1];
        if (!host) throw new UsageError('unload needs a host');
        return await action('/api/control/unload', { host, ...(model ? { model } : {}) });
      }
      case 'actions': {
        need(1, 'a host');
        const r = await call(base, 'GET', `/api/control/hosts/${encodeURIComponent(rest[0]!)}/actions`);
        if (r.status !== 200) return failure(io, r);
        print(r.body, () => io.out(table(['ACTION', 'CATEGORY', 'SLOT', 'LABEL'], r.body.actions.map((a: any) => [a.id, a.category, a.slot ?? '-', a.label]))));
        return EXIT.OK;
      }
      case 'run':
        need(2, 'a host and an action');
        return await action(`/api/control/hosts/${encodeURIComponent(rest[0]!)}/actions/${encodeURIComponent(rest[1]!)}/run`, {});
      case 'job': {
        need(1, 'a job id');
        const r = await call(base, 'GET', `/api/control/jobs/${encodeURIComponent(rest[0]!)}`);
        if (r.status !== 200) return failure(io, r);
        print(r.body, () => {
          const j = r.body;
          io.out(`${j.id} ${j.jobType} on ${j.hostId ?? '-'}: ${j.status}${j.detail.stage ? ` (stage ${j.detail.stage})` : ''}${j.error ? ` — ${j.error.message}` : ''}`);
          if (j.outputTail) io.out(j.outputTail.trimEnd());
        });
        return j_exit(r.body.status);
      }
      case 'eval':
        return await evalCli(rest, o, (m, p, b) => call(base, m, p, b, m === 'POST' ? idem : {}), io, (r) => failure(io, r));
      default:
        throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`boo: ${err.message}\n\n${USAGE}`);
      return EXIT.USAGE;
    }
    if (err instanceof Unreachable) {
      io.err(`boo: ${err.message}`);
      return EXIT.UNREACHABLE;
    }
    throw err;
  }
}

const j_exit = (status: string) => (status === 'failed' || status === 'cancelled' || status === 'interrupted' ? EXIT.FAILED : EXIT.OK);

class UsageError extends Error {}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      exclusive: { type: 'boolean' },
      timeout: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      suite: { type: 'string' },
      samples: { type: 'string' },
      judge: { type: 'string' },
      limit: { type: 'string' },
      name: { type: 'string' },
      format: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
}
