import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { table, fmtMs } from './format';
import { ControlClient, resolveToken, Unreachable, type Reply } from './http';
import { EXIT, failure, UsageError, type CliIo } from './call';
import { tokenCommand } from './token-cmd';
import { benchCommand } from './bench-cmd';
import { gatewayCommand } from './gateway-cmd';
import { EVAL_USAGE, evalCli } from './eval-cli';

/**
 * `pnpm boo …`: a thin client of the REST API (the same service functions the UI and agents
 * use). Exit codes scripts can rely on:
 *   0 ok · 1 the action failed · 2 usage error · 3 timed out (the job keeps running; its id is
 *   printed) · 4 not found or ambiguous · 5 control unreachable · 6 not authorized (no token,
 *   a bad one, or one without the scope)
 */
export { EXIT, type CliIo };

export interface CliEnv {
  BOO_URL?: string | undefined;
  BOO_TOKEN?: string | undefined;
  BOO_TOKEN_FILE?: string | undefined;
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
  bench <host> <model> [--concurrency 1,4,16] [--input N] [--output N] [--warmup s]
        [--measure s] [--cooldown s] [--reps N] [--takeover] [--wait [--timeout s]]
                                          start a speed benchmark; --wait follows it and
                                          prints its points (TTFT, TPOT, tok/s, SLO, flags)
  bench list [--host h] [--model m]       bench runs, newest first
  bench show <id> [--csv]                 one run's points, SLO capacity and knee
  bench cancel <id>                       stop a run (measured points are kept)
  token create --label l [--scope read,act,admin] [--expires 30d|ISO]
                                          create an API token (printed once); needs admin
  token list | token revoke <id>          API tokens (never their secrets)
  mcp                                     an MCP server on stdio for agents (docs/mcp.md)
  report usage [--range 7d] [--group host|model|consumer|day] [--format csv|md|json] [--host h]
                                          usage over a range, from the rollups
  report residency [--range 24h] [--host h]   swaps and who triggered them
  report compare                          last two bench runs per host × model
  alerts [--all]                          firing alerts (--all: recent history too)
${EVAL_USAGE}
  route <model> [--path p]                where a /v1 request for <model> would go, and why (dry run)
  keys                                    gateway keys (never the keys themselves)
  key create <consumer> | key revoke <id> create (the key is printed once) or revoke a gateway key
  usage                                   gateway requests and tokens by consumer (last 24 h)

options: --url <control url> (default $BOO_URL or http://127.0.0.1:9500), --json, --no-wait,
         --key <Idempotency-Key> (default: a fresh one per call, so a retry by hand is a new request),
         --token <token> (default $BOO_TOKEN, the file $BOO_TOKEN_FILE, or secrets/control-admin.token)

exit codes: 0 ok, 1 failed, 2 usage, 3 timeout, 4 not found/ambiguous, 5 unreachable, 6 not authorized`;

function describeResult(body: any): string {
  const j = body.job;
  const what = j.jobType === 'unload' ? `unloaded ${body.model ?? 'every model'} on ${body.host}` : `${body.model ?? j.params.action ?? j.jobType} on ${body.host}`;
  if (j.status !== 'succeeded') return `${what}: job ${j.id} is ${j.status}`;
  if (body.alreadyReady) return `${what}: already ready`;
  if (j.jobType === 'unload') return `${what} (${fmtMs(j.detail.elapsedMs)})`;
  const load = typeof body.loadMs === 'number' ? `, load ${fmtMs(body.loadMs)}` : '';
  return `${what}: ready in ${fmtMs(j.detail.elapsedMs)}${load}`;
}

export async function runCli(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
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
  const client = new ControlClient(base, resolveToken({ flag: o.token, BOO_TOKEN: env.BOO_TOKEN, BOO_TOKEN_FILE: env.BOO_TOKEN_FILE }));
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
    const r = await client.call('POST', path, { ...body, ...(timeoutMs ? { timeoutMs } : {}), ...wait }, idem);
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
        const r = await client.call('GET', '/api/control/status');
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
        const r = await client.call('GET', `/api/control/models${o.host ? `?host=${encodeURIComponent(o.host)}` : ''}`);
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
        const r = await client.call('GET', `/api/control/hosts/${encodeURIComponent(rest[0]!)}/actions`);
        if (r.status !== 200) return failure(io, r);
        print(r.body, () => io.out(table(['ACTION', 'CATEGORY', 'SLOT', 'LABEL'], r.body.actions.map((a: any) => [a.id, a.category, a.slot ?? '-', a.label]))));
        return EXIT.OK;
      }
      case 'run':
        need(2, 'a host and an action');
        return await action(`/api/control/hosts/${encodeURIComponent(rest[0]!)}/actions/${encodeURIComponent(rest[1]!)}/run`, {});
      case 'job': {
        need(1, 'a job id');
        const r = await client.call('GET', `/api/control/jobs/${encodeURIComponent(rest[0]!)}`);
        if (r.status !== 200) return failure(io, r);
        print(r.body, () => {
          const j = r.body;
          io.out(`${j.id} ${j.jobType} on ${j.hostId ?? '-'}: ${j.status}${j.detail.stage ? ` (stage ${j.detail.stage})` : ''}${j.error ? ` — ${j.error.message}` : ''}`);
          if (j.outputTail) io.out(j.outputTail.trimEnd());
        });
        return j_exit(r.body.status);
      }
      case 'bench':
        return await benchCommand(rest, o, { client, io, idem, timeoutMs });
      case 'token':
        return await tokenCommand(client, rest, { label: o.label, scope: o.scope, expires: o.expires }, {
          out: io.out,
          err: io.err,
          json: o.json ?? false,
          failure: (r) => failure(io, r),
          usage: (m) => {
            throw new UsageError(m);
          },
        });
      case 'mcp': {
        const { serveMcpStdio } = await import('../mcp/stdio');
        await serveMcpStdio(client);
        return EXIT.OK;
      }
      case 'report': {
        const kind = rest[0] ?? 'usage';
        if (!['usage', 'residency', 'compare'].includes(kind)) throw new UsageError(`unknown report ${kind} (usage, residency, compare)`);
        const format = o.format ?? (o.json ? 'json' : undefined);
        if (format && !['csv', 'md', 'json'].includes(format)) throw new UsageError('--format is csv, md or json');
        const qs = new URLSearchParams();
        if (o.range) qs.set('range', o.range);
        if (o.host) qs.set('host', o.host);
        if (o.group) qs.set('groupBy', o.group);
        // Without --format the human table is printed from the JSON; csv and md come as control renders them.
        if (format && format !== 'json') qs.set('format', format);
        const r = await client.call('GET', `/api/control/reports/${kind}?${qs}`);
        if (r.status !== 200) return failure(io, r);
        if (typeof r.body === 'string') {
          io.out(r.body.trimEnd());
          return EXIT.OK;
        }
        print(r.body, () => io.out(humanReport(r.body)));
        return EXIT.OK;
      }
      case 'alerts': {
        const r = await client.call('GET', `/api/control/alerts${o.all ? '?state=all' : ''}`);
        if (r.status !== 200) return failure(io, r);
        print(r.body, () =>
          io.out(
            r.body.alerts.length === 0
              ? 'no alerts firing'
              : table(
                  ['STATE', 'SEVERITY', 'RULE', 'HOST', 'SINCE', 'SUMMARY'],
                  r.body.alerts.map((a: any) => [a.state, a.severity, a.rule, a.hostId ?? '-', a.startedAt, a.summary]),
                ),
          ),
        );
        return EXIT.OK;
      }
      case 'eval':
        return await evalCli(rest, o, (m, p, b) => client.call(m, p, b, m === 'POST' ? idem : {}), io, (r) => failure(io, r));
      case 'route':
      case 'keys':
      case 'key':
      case 'usage':
        return await gatewayCommand(cmd, rest, o, { client, io, print, need });
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

const n1 = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : '-');

const j_exit = (status: string) => (status === 'failed' || status === 'cancelled' || status === 'interrupted' ? EXIT.FAILED : EXIT.OK);

/** A report as a terminal table (the JSON has more: --json). */
function humanReport(b: any): string {
  if (b.kind === 'usage') {
    const rows = [...b.rows, b.totals].map((x: any) => [x.key || '(unattributed)', n1(x.requests), n1(x.errors), n1(x.inputTokens), n1(x.outputTokens), fmtMs(x.ttftP95Ms), n1(x.genP50Tps), n1(x.swaps), n1(x.loadS), n1(x.energyWh), n1(x.whPer1kTokens)]);
    return `${b.from} – ${b.to}\n${table([b.groupBy.toUpperCase(), 'REQS', 'ERRS', 'PROMPT', 'GEN', 'TTFT p95', 'TOK/S p50', 'SWAPS', 'LOAD s', 'Wh', 'Wh/1k'], rows)}`;
  }
  if (b.kind === 'residency') {
    const rows = b.hosts.flatMap((h: any) => h.swaps.map((s: any) => [h.hostId, s.at, s.model, s.trigger, s.jobId ?? '-', s.failed ? 'failed' : fmtMs(s.loadMs)]));
    return rows.length === 0 ? 'no swaps in the range' : table(['HOST', 'AT', 'MODEL', 'TRIGGER', 'JOB', 'LOAD'], rows);
  }
  const rows = b.bench.map((x: any) => [x.hostId, x.model, fmtMs(x.latest.figures.ttftP95Ms), x.deltas.ttftP95Ms === null ? '-' : `${(x.deltas.ttftP95Ms * 100).toFixed(1)} %`, n1(x.latest.figures.outputTps)]);
  return [rows.length ? table(['HOST', 'MODEL', 'TTFT p95', 'Δ', 'OUT TOK/S'], rows) : '', b.note ?? ''].filter(Boolean).join('\n');
}


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
      token: { type: 'string' },
      label: { type: 'string' },
      scope: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      model: { type: 'string' },
      concurrency: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      warmup: { type: 'string' },
      measure: { type: 'string' },
      cooldown: { type: 'string' },
      reps: { type: 'string' },
      takeover: { type: 'boolean' },
      wait: { type: 'boolean' },
      csv: { type: 'boolean' },
      range: { type: 'string' },
      group: { type: 'string' },
      format: { type: 'string' },
      all: { type: 'boolean' },
      path: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      suite: { type: 'string' },
      samples: { type: 'string' },
      judge: { type: 'string' },
      limit: { type: 'string' },
      name: { type: 'string' },
      force: { type: 'boolean' },
    },
  });
}
