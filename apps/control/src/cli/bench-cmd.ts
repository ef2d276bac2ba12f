import type { BenchPoint, BenchRun, BenchRunListItem, BenchSlo, BenchSummary } from '@boocontrol/contracts';
import { EXIT, failure, UsageError, type CliIo } from './call';
import type { ControlClient } from './http';
import { table } from './format';

/** The options `boo bench` reads (parsed with the rest of the CLI's in boo-cli.ts). */
export interface BenchOptions {
  host?: string | undefined;
  model?: string | undefined;
  concurrency?: string | undefined;
  input?: string | undefined;
  output?: string | undefined;
  warmup?: string | undefined;
  measure?: string | undefined;
  cooldown?: string | undefined;
  reps?: string | undefined;
  takeover?: boolean | undefined;
  wait?: boolean | undefined;
  csv?: boolean | undefined;
  json?: boolean | undefined;
}

export interface BenchCtx {
  client: ControlClient;
  io: CliIo;
  idem: Record<string, string>;
  /** bounds --wait (the run carries on when it runs out) */
  timeoutMs: number | undefined;
  /** how often --wait polls the run; tests shorten it */
  pollMs?: number;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
const runExit = (status: string) => (status === 'failed' || status === 'cancelled' || status === 'interrupted' ? EXIT.FAILED : EXIT.OK);

/** Latencies: a decimal below 100 ms (TPOT is a few ms on a fast GPU), seconds from 10 s. */
export function fmtLat(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '-';
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

const fmtTps = (v: number | null | undefined) => (v == null || !Number.isFinite(v) ? '-' : v >= 100 ? String(Math.round(v)) : v.toFixed(1));
const fmtLevel = (v: number | null | undefined) => (v == null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The flags a reader must see next to a point's figures (why it should not be trusted as is). */
export function pointFlags(p: BenchPoint): string[] {
  const f = p.flags;
  return [
    f.noisy && 'noisy',
    f.contaminated && 'contaminated',
    f.foreignTraffic && `foreign(${p.foreignRequests})`,
    f.shedding && `shed(${p.requests.shed})`,
    f.tokenCountDivergent && 'token-count',
    f.ignoreEosIgnored && 'eos-ignored',
    f.coalescedChunks && 'coalesced',
  ].filter((x): x is string => typeof x === 'string');
}

const sloText = (s: BenchSlo) => `p${s.percentile} ${s.metric} <= ${s.maxMs} ms`;

export function pointsTable(run: BenchRun): string {
  const unit = run.spec.driver.kind === 'rate' ? 'RATE' : 'USERS';
  return table(
    [unit, 'OK/ERR/SHED', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'OUT tok/s', 'SLO', 'FLAGS'],
    run.points.map((p) => [
      fmtLevel(p.level),
      `${p.requests.succeeded}/${p.requests.errors}/${p.requests.shed}`,
      fmtLat(p.ttftMs.p50),
      fmtLat(p.ttftMs.p99),
      fmtLat(p.tpotMs.p50),
      p.outputTps.std !== null ? `${fmtTps(p.outputTps.mean)} ± ${fmtTps(p.outputTps.std)}` : fmtTps(p.outputTps.mean),
      p.slo.met ? 'met' : 'MISSED',
      pointFlags(p).join(',') || '-',
    ]),
  );
}

export function summaryLines(run: BenchRun): string[] {
  const s: BenchSummary | null = run.summary;
  const lines = [`SLOs: ${run.spec.slos.map(sloText).join(', ') || 'none'}`];
  if (!s) return lines;
  const c = s.capacity;
  lines.push(
    c.maxLevel === null
      ? `capacity: no level met the SLOs${c.firstFailingLevel !== null ? ` (first failing ${fmtLevel(c.firstFailingLevel)})` : ''}`
      : `capacity: ${fmtLevel(c.maxLevel)} meets the SLOs${c.firstFailingLevel !== null ? `, ${fmtLevel(c.firstFailingLevel)} does not` : ''}${c.interpolatedLevel !== null ? ` (interpolated ${c.interpolatedLevel.toFixed(1)})` : ''}`,
  );
  lines.push(s.knee.status === 'ok' ? `knee: ${fmtLevel(s.knee.saturationLevel)} (throughput saturates)` : `knee: none (${s.knee.reason})`);
  lines.push(`peak output: ${fmtTps(s.peakOutputTps)} tok/s`);
  return lines;
}

function printRun(io: CliIo, run: BenchRun): void {
  const d = run.spec.driver;
  const levels = d.kind === 'rate' ? `rates ${d.rates.join(',')}/s` : `concurrency ${d.levels.join(',')}`;
  const w = run.spec.workload;
  const tokens = w.kind === 'synthetic' ? `, ${w.inputTokens} in / ${w.outputTokens} out tokens` : `, ${w.kind} workload`;
  io.out(`run ${run.id}: ${run.model ?? '-'} on ${run.hostId ?? '-'}, ${run.status}`);
  io.out(`${levels}${tokens}, ${run.spec.window.measureS} s measured x ${run.spec.repetitions} reps per point`);
  if (run.points.length) io.out(pointsTable(run));
  else io.out('no points measured');
  for (const l of summaryLines(run)) io.out(l);
  if (run.error) io.err(`boo: run ${run.status}: ${run.error.code}: ${run.error.message}`);
}

const int = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new UsageError(`${what} takes a number`);
  return n;
};

/** The POST body from the command line; anything left out takes the server's default. */
export function benchRequest(host: string, model: string, o: BenchOptions): Record<string, unknown> {
  const levels = o.concurrency?.split(',').map((x) => int(x, '--concurrency') as number);
  const input = int(o.input, '--input');
  const output = int(o.output, '--output');
  const window = { warmupS: int(o.warmup, '--warmup'), measureS: int(o.measure, '--measure'), cooldownS: int(o.cooldown, '--cooldown') };
  const defined = Object.fromEntries(Object.entries(window).filter(([, v]) => v !== undefined));
  const reps = int(o.reps, '--reps');
  return {
    host,
    model,
    ...(levels ? { driver: { kind: 'concurrency', levels } } : {}),
    ...(input !== undefined || output !== undefined ? { workload: { kind: 'synthetic', ...(input !== undefined ? { inputTokens: input } : {}), ...(output !== undefined ? { outputTokens: output } : {}) } } : {}),
    ...(Object.keys(defined).length ? { window: defined } : {}),
    ...(reps !== undefined ? { repetitions: reps } : {}),
    ...(o.takeover ? { takeover: true } : {}),
  };
}

/**
 * `boo bench HOST MODEL [...]` starts a run (and with --wait follows it to the end and prints
 * its points); `boo bench list|show|cancel` read and stop runs.
 */
export async function benchCommand(rest: string[], o: BenchOptions, ctx: BenchCtx): Promise<number> {
  const { client, io } = ctx;
  const [sub, arg] = rest;
  const json = (body: unknown) => io.out(JSON.stringify(body, null, 2));
  if (sub === 'list') {
    const qs = new URLSearchParams();
    if (o.host) qs.set('host', o.host);
    if (o.model) qs.set('model', o.model);
    const r = await client.call('GET', `/api/control/bench/runs${qs.size ? `?${qs}` : ''}`);
    if (r.status !== 200) return failure(io, r);
    if (o.json) json(r.body);
    else {
      const runs = r.body.runs as BenchRunListItem[];
      io.out(
        table(
          ['ID', 'CREATED', 'HOST', 'MODEL', 'STATUS', 'POINTS', 'CAPACITY', 'PEAK tok/s'],
          runs.map((x) => [x.id, x.createdAt.slice(0, 19).replace('T', ' '), x.hostId ?? '-', x.model ?? '-', x.status, String(x.pointCount), fmtLevel(x.summary?.capacity.maxLevel), fmtTps(x.summary?.peakOutputTps)]),
        ),
      );
    }
    return EXIT.OK;
  }
  if (sub === 'show' || sub === 'cancel') {
    if (!arg) throw new UsageError(`bench ${sub} needs a run id`);
    const path = `/api/control/bench/runs/${encodeURIComponent(arg)}`;
    const r = sub === 'cancel' ? await client.call('POST', `${path}/cancel`, {}) : await client.call('GET', `${path}${o.csv ? '?format=csv' : ''}`);
    if (r.status !== 200) return failure(io, r);
    if (o.csv) io.out(String(r.body).trimEnd());
    else if (o.json) json(r.body);
    else if (sub === 'cancel') io.out(`run ${arg}: ${r.body.status}, ${r.body.points.length} point(s) kept`);
    else printRun(io, r.body as BenchRun);
    return sub === 'cancel' ? EXIT.OK : runExit(r.body.status);
  }
  if (!sub || !arg) throw new UsageError('bench needs a host and a model (or list, show ID, cancel ID)');
  const r = await client.call('POST', '/api/control/bench/runs', benchRequest(sub, arg, o), ctx.idem);
  if (r.status !== 202) {
    if (o.json) json(r.body);
    const code = failure(io, r);
    if (r.body?.error?.code === 'HOST_BUSY') io.err('  measure anyway with --takeover (points that see other traffic are flagged contaminated)');
    return code;
  }
  const runId = r.body.runId as string;
  if (!o.wait) {
    if (o.json) json(r.body);
    else io.out(`bench run ${runId} queued (job ${r.body.job.id}): boo bench show ${runId}`);
    return EXIT.OK;
  }
  io.err(`bench run ${runId} started (job ${r.body.job.id})`);
  return waitForRun(runId, ctx, o.json === true);
}

async function waitForRun(runId: string, ctx: BenchCtx, asJson: boolean): Promise<number> {
  const { client, io } = ctx;
  const deadline = ctx.timeoutMs !== undefined ? Date.now() + ctx.timeoutMs : Infinity;
  let reported = 0;
  for (;;) {
    const g = await client.call('GET', `/api/control/bench/runs/${encodeURIComponent(runId)}`);
    if (g.status !== 200) return failure(io, g);
    const run = g.body as BenchRun;
    const of = run.spec.driver.kind === 'rate' ? run.spec.driver.rates.length : run.spec.driver.levels.length;
    // progress on stderr, so stdout stays the table (or the JSON) a script can read
    for (const p of run.points.slice(reported)) io.err(`point ${p.index + 1}/${of} (${fmtLevel(p.level)}): TTFT p50 ${fmtLat(p.ttftMs.p50)}, ${fmtTps(p.outputTps.mean)} tok/s`);
    reported = Math.max(reported, run.points.length);
    if (TERMINAL.has(run.status)) {
      if (asJson) io.out(JSON.stringify(run, null, 2));
      else printRun(io, run);
      return runExit(run.status);
    }
    if (Date.now() >= deadline) {
      io.err(`boo: still ${run.status} after the timeout; the run carries on: boo bench show ${runId}`);
      return EXIT.TIMEOUT;
    }
    await new Promise((res) => setTimeout(res, ctx.pollMs ?? 1000));
  }
}
