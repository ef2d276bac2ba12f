import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { table, fmtMs } from './format';

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
  route <model> [--path p]                where a /v1 request for <model> would go, and why (dry run)
  keys                                    gateway keys (never the keys themselves)
  key create <consumer> | key revoke <id> create (the key is printed once) or revoke a gateway key
  usage                                   gateway requests and tokens by consumer (last 24 h)

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
      case 'route':
      case 'keys':
      case 'key':
      case 'usage':
        return await gatewayCommand(cmd, rest, o, { base, io, print, need });
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

interface GatewayCtx {
  base: string;
  io: CliIo;
  print: (body: unknown, human: () => void) => void;
  need: (n: number, what: string) => void;
}

/** The gateway's commands: routing dry runs, keys, usage by consumer. */
async function gatewayCommand(cmd: string, rest: string[], o: { path?: string | undefined }, c: GatewayCtx): Promise<number> {
  const { base, io, print, need } = c;
  if (cmd === 'route') {
    need(1, 'a model (name, host/model or auto:<policy>)');
    const r = await call(base, 'POST', '/api/control/routing/explain', { model: rest[0], ...(o.path ? { path: o.path } : {}), messages: [{ role: 'user', content: 'dry run' }] });
    if (r.status !== 200) return failure(io, r);
    print(r.body, () => {
      const b = r.body;
      io.out(`${b.requested} → ${b.chosen ? `${b.chosen.hostId}/${b.chosen.model}` : '-'} (${b.outcome}): ${b.reason}`);
      if (b.candidates.length) io.out(table(['HOST', 'MODEL', 'STATE', 'SCORE', 'WHY NOT'], b.candidates.map((s: any) => [s.hostId, s.model, s.state, s.score === null ? '-' : String(s.score), s.filteredBy ?? (s.inputs.leased ? 'leased' : s.inputs.coolingDown ? 'cooling down' : '')])));
    });
    return b_exit(r.body.outcome);
  }
  if (cmd === 'keys') {
    const r = await call(base, 'GET', '/api/control/gateway/keys');
    if (r.status !== 200) return failure(io, r);
    print(r.body, () => io.out(table(['ID', 'CONSUMER', 'PREFIX', 'SOURCE', 'CREATED'], r.body.keys.map((k: any) => [k.id, k.consumer, k.prefix, k.source, k.createdAt ?? '-']))));
    return EXIT.OK;
  }
  if (cmd === 'key') {
    need(2, 'create <consumer> or revoke <id>');
    const r = rest[0] === 'create' ? await call(base, 'POST', '/api/control/gateway/keys', { consumer: rest[1] }) : rest[0] === 'revoke' ? await call(base, 'DELETE', `/api/control/gateway/keys/${encodeURIComponent(rest[1]!)}`) : undefined;
    if (!r) throw new UsageError('key takes create <consumer> or revoke <id>');
    if (r.status !== 200 && r.status !== 201) return failure(io, r);
    print(r.body, () => io.out(rest[0] === 'create' ? `key for ${r.body.consumer} (shown once): ${r.body.key}` : `revoked ${r.body.revoked}`));
    return EXIT.OK;
  }
  const r = await call(base, 'GET', '/api/control/gateway/usage');
  if (r.status !== 200) return failure(io, r);
  print(r.body, () => io.out(table(['CONSUMER', 'HOST', 'MODEL', 'REQUESTS', 'ERRORS', 'IN TOK', 'OUT TOK'], r.body.groups.map((g: any) => [g.consumer, g.hostId ?? '-', g.model ?? '-', String(g.requests), String(g.errors), String(g.inputTokens), String(g.outputTokens)]))));
  return EXIT.OK;
}

const b_exit = (outcome: string) => (outcome === 'error' ? EXIT.NOT_FOUND : EXIT.OK);

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
      path: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
