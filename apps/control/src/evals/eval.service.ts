import { randomUUID } from 'node:crypto';
import { EvalRunRequestSchema, type EvalCompare, type EvalRun, type EvalRunDetail, type EvalRunSpec, type EvalRunStatus, type EvalLiveFrame, type EvalTarget } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { FleetState } from '../fleet/fleet-state';
import type { HostDirectory } from '../hosts/host-directory';
import type { ActionQueue } from '../jobs/queue';
import type { LeaseService } from '../lease/lease.service';
import type { EvalRepo } from './eval.repo';
import type { Sandbox } from './sandbox/sandbox';
import { itemCount, type SuiteStore } from './suites/loader';
import { pairedDifference } from './stats';
import { scoreboard } from './scoreboard';

export interface EvalServiceDeps {
  repo: EvalRepo;
  suites: SuiteStore;
  sandbox: Sandbox;
  queue: ActionQueue;
  hosts: HostDirectory;
  fleet: FleetState;
  leases: LeaseService;
  live: Map<string, EvalLiveFrame>;
}

/** Parameter count from a model id ("llama-70b-q4" → 70), to pick the largest model as default judge. */
const sizeOf = (id: string): number => Number(/(\d+(?:\.\d+)?)\s*b\b/i.exec(id.replace(/[-_:]/g, ' '))?.[1] ?? 0);

/**
 * Eval runs as people and agents start them. Everything that can be refused is refused before a
 * row or a job exists (bad request, unknown or malformed suite, unknown host or model, judge not
 * found, sandbox unavailable, lease held): nothing partial is stored.
 */
export class EvalService {
  constructor(private readonly d: EvalServiceDeps) {}

  async start(input: unknown, idempotencyKey?: string): Promise<{ runId: string; jobId: string }> {
    const r = EvalRunRequestSchema.safeParse(input);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new AppError('EVAL_INVALID_RUN', `invalid eval run: ${i?.path.length ? `${i.path.join('.')}: ` : ''}${i?.message ?? 'invalid'}`, { issues: r.error.issues });
    }
    const spec = r.data;
    const suite = this.d.suites.load(spec.suite);
    await this.requireModel(spec.host, spec.model, 'NOT_FOUND');
    let judge: EvalTarget | null = null;
    if (suite.manifest.kind === 'chat') judge = spec.judge ?? this.defaultJudge(spec);
    if (judge) await this.requireModel(judge.host, judge.model, 'EVAL_JUDGE_NOT_FOUND');
    if (suite.manifest.kind === 'code') await this.d.sandbox.ensure();
    const held = await this.d.leases.holder(spec.host);
    if (held) throw new AppError('LEASE_HELD', `host ${spec.host} is leased for ${held.purpose} until ${held.expiresAt}`, { hostId: spec.host, purpose: held.purpose, expiresAt: held.expiresAt });
    const runId = randomUUID();
    const total = Math.min(itemCount(suite), spec.limit ?? Number.POSITIVE_INFINITY);
    await this.d.repo.create({ id: runId, spec, kind: suite.manifest.kind, suiteVersion: suite.manifest.version, suiteHash: suite.hash, itemsTotal: total });
    return this.enqueue(runId, spec, judge, idempotencyKey);
  }

  /** Resumes an interrupted, failed or cancelled run: a new job that skips the stored items. */
  async resume(id: string): Promise<{ runId: string; jobId: string }> {
    const run = await this.run(id);
    if (run.status === 'succeeded' || run.status === 'queued' || run.status === 'running') throw new AppError('CONFLICT', `run ${id} is ${run.status}; only an interrupted, failed or cancelled run resumes`);
    const spec = EvalRunRequestSchema.parse(run.spec);
    const suite = this.d.suites.load(spec.suite);
    if (suite.hash !== run.provenance?.suiteHash && run.provenance) throw new AppError('CONFLICT', `suite ${spec.suite} changed since the run started; start a new run`);
    await this.d.repo.update(id, { status: 'queued', error: null });
    return this.enqueue(id, spec, run.provenance?.judge ?? (suite.manifest.kind === 'chat' ? (spec.judge ?? this.defaultJudge(spec)) : null));
  }

  private async enqueue(runId: string, spec: EvalRunSpec, judge: EvalTarget | null, idempotencyKey?: string): Promise<{ runId: string; jobId: string }> {
    const { job } = await this.d.queue.enqueue({ hostId: spec.host, jobType: 'eval', params: { runId, spec, judge }, idempotencyKey, detail: { stage: 'queued', model: spec.model, suite: spec.suite, runId } });
    await this.d.repo.update(runId, { jobId: job.id });
    return { runId, jobId: job.id };
  }

  private async requireModel(hostId: string, model: string, code: 'NOT_FOUND' | 'EVAL_JUDGE_NOT_FOUND'): Promise<void> {
    const what = code === 'NOT_FOUND' ? 'host' : 'judge host';
    if (!(await this.d.hosts.get(hostId))) throw new AppError(code, `no ${what} ${hostId}`, { host: hostId, model });
    const live = this.d.fleet.get(hostId);
    if (live && live.models.length > 0 && !live.models.some((m) => m.id === model || m.aliases.includes(model))) {
      throw new AppError(code, `${what} ${hostId} has no model ${model}`, { host: hostId, model, models: live.models.map((m) => m.id) });
    }
  }

  /** The largest model on the fleet (by the size in its id), preferring one that is not the candidate. */
  private defaultJudge(spec: EvalRunSpec): EvalTarget {
    const all = this.d.fleet.list().flatMap((h) => h.models.filter((m) => !/embed/i.test(m.id)).map((m) => ({ host: h.id, model: m.id, size: sizeOf(m.id) })));
    const others = all.filter((c) => c.model !== spec.model);
    const pick = [...(others.length ? others : all)].sort((a, b) => b.size - a.size)[0];
    if (!pick) throw new AppError('EVAL_JUDGE_NOT_FOUND', 'no model on the fleet can judge; pass judge: { host, model }');
    return { host: pick.host, model: pick.model };
  }

  list(f: { suite?: string | undefined; host?: string | undefined; model?: string | undefined; status?: EvalRunStatus | undefined; limit: number }): Promise<EvalRun[]> {
    return this.d.repo.list({ suite: f.suite, hostId: f.host, model: f.model, status: f.status, limit: f.limit });
  }

  async run(id: string): Promise<EvalRun> {
    const run = await this.d.repo.get(id);
    if (!run) throw new AppError('NOT_FOUND', `no eval run ${id}`);
    return run;
  }

  async detail(id: string, page: { offset: number; limit: number }): Promise<EvalRunDetail> {
    const run = await this.run(id);
    const items = await this.d.repo.results(id, page);
    return { ...run, items, page: { ...page, total: run.itemsDone } };
  }

  async cancel(id: string): Promise<EvalRun> {
    const run = await this.run(id);
    if (run.jobId) await this.d.queue.cancel(run.jobId);
    return this.run(id);
  }

  scoreboard(suite?: string) {
    return scoreboard(this.d.repo, suite);
  }

  async compare(a: string, b: string): Promise<EvalCompare> {
    const [ra, rb] = await Promise.all([this.run(a), this.run(b)]);
    if (ra.suite !== rb.suite) throw new AppError('VALIDATION', `runs ${a} and ${b} are of different suites (${ra.suite}, ${rb.suite})`);
    const [ia, ib] = await Promise.all([this.d.repo.results(a), this.d.repo.results(b)]);
    const mb = new Map(ib.map((x) => [x.itemId, x]));
    const ids = [...new Set([...ia.map((x) => x.itemId), ...ib.map((x) => x.itemId)])];
    const ma = new Map(ia.map((x) => [x.itemId, x]));
    const items = ids.map((itemId) => {
      const sa = ma.get(itemId)?.score ?? null;
      const sb = mb.get(itemId)?.score ?? null;
      const change = sa === null || sb === null ? ('missing' as const) : sb > sa ? ('better' as const) : sb < sa ? ('worse' as const) : ('same' as const);
      return { itemId, a: sa, b: sb, change };
    });
    const paired = items.filter((x) => x.a !== null && x.b !== null);
    const difference = pairedDifference(paired.map((x) => x.a as number), paired.map((x) => x.b as number));
    return { a: ra, b: rb, items, difference };
  }

  liveRuns(): EvalLiveFrame[] {
    return [...this.d.live.values()];
  }
}
