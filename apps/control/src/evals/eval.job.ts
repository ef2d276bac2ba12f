// The `eval` job: runs on the host's lane under the host's fleet lease, warms the candidate model
// first (a child job on the same lane), then grades the suite item by item, storing each result
// as it finishes. A resumed run (same run id, new job) skips the items already stored; the summary
// is always computed from every stored result.
import { z } from 'zod';
import { EvalRunRequestSchema, type EvalLiveFrame, type EvalProvenance, type EvalRunSpec } from '@boocontrol/contracts';
import { AppError, isAppError } from '../lib/errors';
import type { EventBus } from '../events/bus';
import type { FleetState } from '../fleet/fleet-state';
import type { HostDirectory } from '../hosts/host-directory';
import type { ActionContext, JobRegistry } from '../jobs/registry';
import type { LeaseService } from '../lease/lease.service';
import { chat, type ModelEndpoint } from './client';
import type { EvalRepo } from './eval.repo';
import { graderFor } from './graders';
import type { GradeEnv, ScoredItem } from './graders/types';
import { sampling } from './graders/types';
import type { Sandbox } from './sandbox/sandbox';
import type { SuiteStore } from './suites/loader';
import { mean } from './stats';

export const EvalJobParams = z.object({ runId: z.string().min(1), spec: EvalRunRequestSchema, judge: z.object({ host: z.string(), model: z.string() }).nullable().default(null) });

export interface EvalJobDeps {
  repo: EvalRepo;
  suites: SuiteStore;
  sandbox: Sandbox;
  hosts: HostDirectory;
  fleet: FleetState;
  leases: LeaseService;
  bus: EventBus;
  live: Map<string, EvalLiveFrame>;
}

export function registerEvalJob(registry: JobRegistry, deps: EvalJobDeps): void {
  registry.register({
    jobType: 'eval',
    params: EvalJobParams,
    run: (ctx, p, hostId) => runEvalJob(deps, ctx, p.runId, p.spec, p.judge, hostId ?? p.spec.host),
  });
}

async function endpoint(hosts: HostDirectory, hostId: string, model: string): Promise<ModelEndpoint> {
  const h = await hosts.get(hostId);
  if (!h) throw new AppError('NOT_FOUND', `no host ${hostId}`);
  return { baseUrl: h.baseUrl, apiKey: h.apiKey ?? undefined, model };
}

async function runEvalJob(deps: EvalJobDeps, ctx: ActionContext, runId: string, spec: EvalRunSpec, judgeTarget: { host: string; model: string } | null, hostId: string): Promise<Record<string, unknown>> {
  const suite = deps.suites.load(spec.suite);
  const grader = graderFor(suite.manifest.kind);
  const host = await deps.hosts.get(hostId);
  if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
  const ep = await endpoint(deps.hosts, hostId, spec.model);
  const judge = judgeTarget ? await endpoint(deps.hosts, judgeTarget.host, judgeTarget.model) : null;
  const lease = await deps.leases.acquire(hostId, { holder: ctx.job.id, purpose: 'eval' });
  const stop = new AbortController();
  ctx.signal.addEventListener('abort', () => stop.abort(ctx.signal.reason), { once: true });
  lease.signal.addEventListener('abort', () => stop.abort(lease.signal.reason), { once: true });
  const done = await deps.repo.doneIds(runId);
  const scores: number[] = [];
  let frame: EvalLiveFrame = { runId, jobId: ctx.job.id, suite: spec.suite, hostId, model: spec.model, status: 'running', phase: 'warming', done: done.size, of: 0, score: null, at: new Date().toISOString() };
  const publish = (patch: Partial<EvalLiveFrame>) => {
    frame = { ...frame, ...patch, at: new Date().toISOString() };
    deps.live.set(runId, frame);
    deps.bus.publish({ type: 'eval.progress', frame });
  };
  let build: string | null = null;
  const s = sampling(spec, suite);
  const provenance = (): EvalProvenance => ({
    suiteVersion: suite.manifest.version,
    suiteHash: suite.hash,
    cmd: null,
    build,
    sampling: { temperature: s.temperature, maxTokens: s.maxTokens, samples: spec.samples, greedy: s.greedy, seed: spec.seed },
    judge: judgeTarget,
  });
  try {
    await deps.repo.update(runId, { status: 'running', startedAt: new Date(), jobId: ctx.job.id, error: null });
    publish({});
    if (host.kind === 'llama-swap') {
      ctx.progress({ stage: 'warming', model: spec.model });
      await ctx.child({ jobType: 'warm', params: { model: spec.model }, detail: { stage: 'queued', model: spec.model } });
    }
    const live = deps.fleet.get(hostId)?.models.find((m) => m.id === spec.model || m.aliases.includes(spec.model));
    const env: GradeEnv = {
      suite,
      spec,
      ep,
      judge,
      sandbox: deps.sandbox,
      signal: stop.signal,
      contextTokens: spec.contextTokens ?? live?.contextLength ?? null,
      ask: async (target, messages, o) => {
        if (stop.signal.aborted) throw stop.signal.reason instanceof Error ? stop.signal.reason : new AppError('CANCELLED', 'cancelled');
        const a = await chat(target, messages, { ...o, signal: stop.signal });
        if (target === ep && build === null) build = a.fingerprint;
        return a;
      },
    };
    const all = grader.units(env);
    const units = spec.limit ? all.slice(0, spec.limit) : all;
    // the real count: a long-context grid drops the lengths the model's context cannot hold
    await deps.repo.update(runId, { itemsTotal: units.length });
    publish({ phase: 'grading', of: units.length });
    ctx.progress({ stage: 'grading', runId, of: units.length });
    for (const [seq, u] of units.entries()) {
      if (done.has(u.id)) continue;
      if (stop.signal.aborted) break;
      const r = await u.run();
      await deps.repo.putResult(runId, seq, r);
      done.add(u.id);
      if (r.score !== null && !r.invalid) scores.push(r.score);
      publish({ done: done.size, score: scores.length ? mean(scores) : null });
      ctx.progress({ done: done.size, of: units.length });
    }
    if (stop.signal.aborted) throw stop.signal.reason instanceof Error ? stop.signal.reason : new AppError('CANCELLED', 'cancelled');
    const results: ScoredItem[] = await deps.repo.results(runId);
    const summary = grader.summarize(results, spec, suite);
    await deps.repo.update(runId, { status: 'succeeded', summary, provenance: provenance(), finishedAt: new Date() });
    publish({ status: 'succeeded', phase: 'done', score: summary.score });
    return { runId, metric: summary.metric, score: summary.score, ci: summary.ci, n: summary.n };
  } catch (err) {
    const leaseLost = lease.signal.aborted && !ctx.signal.aborted;
    const cancelled = ctx.signal.aborted;
    const code = leaseLost ? 'LEASE_HELD' : cancelled ? 'CANCELLED' : isAppError(err) ? err.code : 'INTERNAL';
    const message = leaseLost ? 'the fleet lease was lost during the run' : err instanceof Error ? err.message : String(err);
    await deps.repo.update(runId, { status: cancelled ? 'cancelled' : 'failed', provenance: provenance(), error: { code, message }, finishedAt: new Date() }).catch(() => undefined);
    publish({ status: cancelled ? 'cancelled' : 'failed', phase: 'done' });
    if (leaseLost) throw new AppError('LEASE_HELD', message);
    throw err;
  } finally {
    await lease.release().catch(() => undefined);
    setTimeout(() => deps.live.delete(runId), 60_000).unref();
  }
}
