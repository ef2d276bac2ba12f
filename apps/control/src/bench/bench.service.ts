import { randomUUID } from 'node:crypto';
import { BenchRunRequestSchema, type BenchLiveFrame, type BenchRun, type BenchRunRequest, type BenchRunStatus, type BenchSampleList, type BenchSpec, type Job } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { FleetState } from '../fleet/fleet-state';
import type { HostDirectory } from '../hosts/host-directory';
import type { ActionQueue } from '../jobs/queue';
import type { LeaseService } from '../lease/lease.service';
import type { BenchRepo, BenchRunListItem } from './bench.repo';
import { prepareBench } from './spec';
import { BUSY_WINDOW_MS, liveTraffic } from './traffic-watch';

/** How long after a run's end its own requests may still be stored as activity rows. */
const OWN_ROWS_SLACK_MS = 3000;
/** llama-swap stamps activity in whole seconds: a row of the run's first request may read up to 1 s before it started. */
const ROW_TS_RESOLUTION_MS = 1000;

/** The engine's spec: the run request without where it runs and whether it may take over. */
export function specOf(req: BenchRunRequest): BenchSpec {
  const { host: _host, takeover: _takeover, ...spec } = req;
  return spec;
}

export interface BenchServiceDeps {
  repo: BenchRepo;
  queue: ActionQueue;
  hosts: HostDirectory;
  fleet: FleetState;
  leases: LeaseService;
  live: Map<string, BenchLiveFrame>;
  /** Recently finished requests, newest first (the activity snapshot), for the HOST_BUSY check. */
  recentActivity(): ReadonlyArray<{ hostId: string; model: string; ts: string }>;
}

/**
 * Bench runs as people and agents start them: everything that can be refused is refused here,
 * before a row or a job exists (bad spec, unknown host or model, live traffic without takeover,
 * a lease someone else holds). The run itself is the `bench` job (bench.job.ts).
 */
export class BenchService {
  constructor(private readonly deps: BenchServiceDeps) {}

  async start(input: unknown, idempotencyKey?: string): Promise<{ runId: string; job: Job }> {
    const r = BenchRunRequestSchema.safeParse(input);
    if (!r.success) {
      const first = r.error.issues[0];
      throw new AppError('BENCH_INVALID_SPEC', `invalid bench run: ${first?.path.length ? `${first.path.join('.')}: ` : ''}${first?.message ?? 'invalid'}`, { issues: r.error.issues });
    }
    const request = r.data;
    const { spec } = prepareBench(specOf(request));
    const hostId = request.host;
    const host = await this.deps.hosts.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    const live = this.deps.fleet.get(hostId);
    if (live && live.models.length > 0 && !live.models.some((m) => m.id === spec.model || m.aliases.includes(spec.model))) {
      throw new AppError('NOT_FOUND', `host ${hostId} has no model ${spec.model}`, { models: live.models.map((m) => m.id) });
    }
    // The lease first: while a bench runs, its own requests are in flight, and "another run
    // holds the host" is the true reason, not "other traffic".
    const held = await this.deps.leases.holder(hostId);
    if (held) throw new AppError('LEASE_HELD', `host ${hostId} is leased for ${held.purpose} until ${held.expiresAt}`, { hostId, purpose: held.purpose, expiresAt: held.expiresAt });
    if (!request.takeover) {
      const busy = liveTraffic(this.deps.fleet, await this.othersActivity(hostId), hostId);
      if (busy) throw new AppError('HOST_BUSY', `host ${hostId} is serving other traffic (${busy}); pass takeover: true to measure anyway (points that see it are flagged contaminated)`, { hostId, reason: busy });
    }
    const runId = randomUUID();
    await this.deps.repo.createRun({ id: runId, spec: request });
    const { job } = await this.deps.queue.enqueue({ hostId, jobType: 'bench', params: { runId, spec: request }, idempotencyKey, detail: { stage: 'queued', model: spec.model, runId } });
    await this.deps.repo.update(runId, { jobId: job.id });
    return { runId, job };
  }

  /**
   * Recent activity without the requests of the host's own recent bench runs: a run that just
   * ended must not make the next one (a second sweep, a before/after pair) look like live
   * traffic. A row counts as the bench's when it is for the run's model and lands between the
   * run's start (less the rows' 1 s resolution) and a moment after its end (rows are stored a
   * little after the request ends). Other models' rows and anything in flight still count.
   */
  private async othersActivity(hostId: string): Promise<ReadonlyArray<{ hostId: string; model: string; ts: string }>> {
    const now = Date.now();
    const runs = await this.deps.repo.list({ hostId, limit: 5 });
    const windows = runs
      .filter((r) => r.startedAt && (!r.finishedAt || now - Date.parse(r.finishedAt) < BUSY_WINDOW_MS + OWN_ROWS_SLACK_MS))
      .map((r) => ({ model: r.model, from: Date.parse(r.startedAt!) - ROW_TS_RESOLUTION_MS, to: (r.finishedAt ? Date.parse(r.finishedAt) : now) + OWN_ROWS_SLACK_MS }));
    if (windows.length === 0) return this.deps.recentActivity();
    return this.deps.recentActivity().filter((row) => {
      if (row.hostId !== hostId) return true;
      const t = Date.parse(row.ts);
      return !windows.some((w) => w.model === row.model && t >= w.from && t <= w.to);
    });
  }

  list(filter: { host?: string | undefined; model?: string | undefined; status?: BenchRunStatus | undefined; limit: number }): Promise<BenchRunListItem[]> {
    return this.deps.repo.list({ hostId: filter.host, model: filter.model, status: filter.status, limit: filter.limit });
  }

  async get(id: string): Promise<BenchRun> {
    const run = await this.deps.repo.get(id);
    if (!run) throw new AppError('NOT_FOUND', `no bench run ${id}`);
    return run;
  }

  /** Cancels the run's job: the point in progress is dropped, the finished ones stay. */
  async cancel(id: string): Promise<BenchRun> {
    const run = await this.get(id);
    if (run.jobId) await this.deps.queue.cancel(run.jobId);
    return this.get(id);
  }

  /** One point's stored requests, for the per-request scatter; NOT_FOUND names what is missing. */
  async samples(id: string, index: number): Promise<BenchSampleList> {
    const run = await this.get(id);
    const point = run.points.find((p) => p.index === index);
    if (!point) throw new AppError('NOT_FOUND', `bench run ${id} has no point ${index} (it has ${run.points.length})`);
    return { runId: id, index, level: point.level, samples: await this.deps.repo.samples(id, index) };
  }

  async compare(ids: string[]): Promise<BenchRun[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  liveRuns(): BenchLiveFrame[] {
    return [...this.deps.live.values()];
  }
}
