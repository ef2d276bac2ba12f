import { z } from 'zod';
import { BenchRunRequestSchema, type BenchLiveFrame, type BenchPoint, type BenchProgress, type BenchRunRequest } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { EventBus } from '../events/bus';
import type { FleetState } from '../fleet/fleet-state';
import type { HostDirectory } from '../hosts/host-directory';
import type { ActionContext, JobRegistry } from '../jobs/registry';
import type { LeaseService } from '../lease/lease.service';
import type { BenchRepo } from './bench.repo';
import { runBench } from './engine';
import { watchTraffic } from './traffic-watch';
import { specOf } from './bench.service';

export const BenchJobParams = z.object({ runId: z.string().min(1), spec: BenchRunRequestSchema });

export interface BenchJobDeps {
  repo: BenchRepo;
  hosts: HostDirectory;
  fleet: FleetState;
  leases: LeaseService;
  bus: EventBus;
  /** Live state per run for the `bench` topic snapshot. */
  live: Map<string, BenchLiveFrame>;
  /** Activity of a finished point may land a moment after it; wait this long before judging it. */
  settleMs?: number;
}

/**
 * The `bench` job: runs on the host's lane (never beside a switch), holds the host's fleet lease
 * while it measures, warms the model first as a child job on the same lane, watches the host's
 * other traffic, and stores every finished point as it comes.
 */
export function registerBenchJob(registry: JobRegistry, deps: BenchJobDeps): void {
  registry.register({
    jobType: 'bench',
    params: BenchJobParams,
    run: (ctx, p, hostId) => runBenchJob(deps, ctx, p.runId, p.spec, hostId ?? p.spec.host),
  });
}

async function runBenchJob(deps: BenchJobDeps, ctx: ActionContext, runId: string, spec: BenchRunRequest, hostId: string): Promise<Record<string, unknown>> {
  const host = await deps.hosts.get(hostId);
  if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
  let frame: BenchLiveFrame = {
    runId, jobId: ctx.job.id, hostId, model: spec.model, status: 'running', index: null, of: 0, level: null, phase: 'ready-check',
    requests: { done: 0, errors: 0, shed: 0, inflight: 0 }, lastPoint: null, at: new Date().toISOString(),
  };
  const publish = (patch: Partial<BenchLiveFrame>) => {
    frame = { ...frame, ...patch, at: new Date().toISOString() };
    deps.live.set(runId, frame);
    deps.bus.publish({ type: 'bench.progress', frame });
  };
  const lease = await deps.leases.acquire(hostId, { holder: ctx.job.id, purpose: 'bench' });
  const watch = watchTraffic(deps.bus, deps.fleet, hostId, spec.model);
  const stop = new AbortController();
  const abort = (reason: unknown) => stop.abort(reason);
  ctx.signal.addEventListener('abort', () => abort(ctx.signal.reason), { once: true });
  lease.signal.addEventListener('abort', () => abort(lease.signal.reason), { once: true });
  try {
    await deps.repo.update(runId, { status: 'running', startedAt: new Date(), jobId: ctx.job.id });
    publish({});
    // A bench must not measure a model load: make it resident first, on this same lane.
    if (host.kind === 'llama-swap') {
      ctx.progress({ stage: 'warming', model: spec.model });
      await ctx.child({ jobType: 'warm', params: { model: spec.model }, detail: { stage: 'queued', model: spec.model } });
    }
    ctx.progress({ stage: 'measuring', runId, leaseToken: lease.token });
    const outcome = await runBench(specOf(spec), {
      baseUrl: host.baseUrl,
      apiKey: host.apiKey ?? undefined,
      signal: stop.signal,
      onProgress: (e) => onProgress(e, publish, ctx, frame),
      onPoint: async (point, samples) => {
        await new Promise((r) => setTimeout(r, deps.settleMs ?? 300));
        const judged = judge(point, watch.foreign(new Date(point.startedAt), new Date(), point.requests.sent));
        await deps.repo.appendPoint(runId, judged);
        await deps.repo.appendSamples(runId, judged.index, samples);
        publish({ lastPoint: { index: judged.index, level: judged.level, ttftP50Ms: judged.ttftMs.p50, outputTps: judged.outputTps.mean } });
        ctx.progress({ pointsDone: judged.index + 1 });
      },
    });
    const status = outcome.status === 'cancelled' ? 'cancelled' : outcome.status;
    const leaseLost = lease.signal.aborted && !ctx.signal.aborted;
    const error = leaseLost ? { code: 'LEASE_HELD', message: 'the fleet lease was lost during the run' } : outcome.error;
    await deps.repo.update(runId, { status: leaseLost ? 'failed' : status, summary: outcome.summary, error, finishedAt: new Date() });
    publish({ status: leaseLost ? 'failed' : status, phase: 'done' });
    if (status === 'cancelled' || ctx.signal.aborted) throw new AppError('CANCELLED', `bench ${runId} cancelled; ${outcome.points.length} point(s) kept`);
    if (leaseLost) throw new AppError('LEASE_HELD', 'the fleet lease was lost during the run');
    if (outcome.error) throw new AppError(outcome.error.code, outcome.error.message, { runId });
    return { runId, points: outcome.points.length, capacity: outcome.summary.capacity, peakOutputTps: outcome.summary.peakOutputTps };
  } catch (err) {
    if (frame.phase !== 'done') {
      const cancelled = ctx.signal.aborted;
      await deps.repo.update(runId, { status: cancelled ? 'cancelled' : 'failed', error: { code: err instanceof AppError ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) }, finishedAt: new Date() }).catch(() => undefined);
      publish({ status: cancelled ? 'cancelled' : 'failed', phase: 'done' });
    }
    throw err;
  } finally {
    watch.stop();
    await lease.release().catch(() => undefined);
    setTimeout(() => deps.live.delete(runId), 60_000).unref();
  }
}

function onProgress(e: BenchProgress, publish: (p: Partial<BenchLiveFrame>) => void, ctx: ActionContext, frame: BenchLiveFrame): void {
  if (e.type === 'point-started') {
    publish({ index: e.index, of: e.of, level: e.level, requests: { done: 0, errors: 0, shed: 0, inflight: 0 } });
    ctx.progress({ point: e.index, of: e.of, level: e.level });
  } else if (e.type === 'phase') {
    publish({ phase: e.phase });
  } else if (frame.index === e.index) {
    publish({ requests: { done: e.done, errors: e.errors, shed: e.shed, inflight: e.inflight } });
  }
}

/** A point that saw requests that were not its own is contaminated: shown, never averaged in silently. */
function judge(point: BenchPoint, foreign: number): BenchPoint {
  if (foreign === 0) return point;
  return { ...point, foreignRequests: foreign, flags: { ...point.flags, foreignTraffic: true, contaminated: true } };
}
