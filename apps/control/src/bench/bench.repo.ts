import type { BenchPoint, BenchRun, BenchRunListItem, BenchRunRequest, BenchRunStatus, BenchSample, BenchSummary } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';
import { patchSet } from '../db/patch';

interface RunRow {
  id: string;
  job_id: string | null;
  host_id: string | null;
  model: string | null;
  config: BenchRunRequest;
  status: BenchRunStatus;
  summary: BenchSummary | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toRun = (r: RunRow, points: BenchPoint[]): BenchRun => ({
  id: r.id,
  jobId: r.job_id,
  hostId: r.host_id,
  model: r.model,
  status: r.status,
  spec: r.config,
  points,
  summary: r.summary ?? null,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export interface NewBenchRun {
  id: string;
  jobId?: string | null;
  spec: BenchRunRequest;
}

export interface BenchRunPatch {
  jobId?: string;
  status?: BenchRunStatus;
  summary?: BenchSummary;
  error?: { code: string; message: string } | null;
  startedAt?: Date;
  finishedAt?: Date;
}

export type { BenchRunListItem };

/** Samples kept per point unless the caller says otherwise: enough for distributions in a report. */
export const DEFAULT_MAX_SAMPLES_PER_POINT = 500;

export class BenchRepo {
  constructor(private readonly db: Queryable) {}

  async createRun(run: NewBenchRun): Promise<BenchRun> {
    const r = await this.db.query<RunRow>(
      `INSERT INTO control_bench_runs (id, job_id, host_id, model, config, status) VALUES ($1, $2, $3, $4, $5, 'queued') RETURNING *`,
      [run.id, run.jobId ?? null, run.spec.host, run.spec.model, JSON.stringify(run.spec)],
    );
    return toRun(r.rows[0] as RunRow, []);
  }

  async update(id: string, patch: BenchRunPatch): Promise<void> {
    const { sets, params } = patchSet({
      job_id: patch.jobId,
      status: patch.status,
      summary: patch.summary && JSON.stringify(patch.summary),
      error_code: patch.error === undefined ? undefined : (patch.error?.code ?? null),
      error_message: patch.error === undefined ? undefined : (patch.error?.message ?? null),
      started_at: patch.startedAt,
      finished_at: patch.finishedAt,
    });
    if (sets.length === 0) return;
    await this.db.query(`UPDATE control_bench_runs SET ${sets.join(', ')} WHERE id = $1`, [id, ...params]);
  }

  /** Stores a finished point; a repeated index is ignored (the first write wins). */
  async appendPoint(runId: string, point: BenchPoint): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO control_bench_points (run_id, idx, level, point) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, idx) DO NOTHING`,
      [runId, point.index, point.level, JSON.stringify(point)],
    );
    return r.rowCount > 0;
  }

  /**
   * Appends request samples of one point, keeping at most `max` per point: the cap is applied in
   * the INSERT itself (rows beyond what the point already holds are not selected), so repeated or
   * oversized batches can never grow the table past it. Returns how many rows were added.
   */
  async appendSamples(runId: string, pointIdx: number, samples: readonly BenchSample[], max = DEFAULT_MAX_SAMPLES_PER_POINT): Promise<number> {
    if (samples.length === 0) return 0;
    const r = await this.db.query(
      `INSERT INTO control_bench_samples (run_id, point_idx, seq, rep, status, error_kind, ttft_ms, e2e_ms, output_tokens, sample)
       SELECT $1, $2, (e->>'seq')::int, (e->>'rep')::int, (e->>'status')::int, e->>'errorKind',
              (e->>'tFirstContent')::float8 - (e->>'tSent')::float8,
              COALESCE((e->>'tLastToken')::float8, (e->>'tDone')::float8) - (e->>'tSent')::float8,
              (e->>'outputTokens')::int, e
       FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(e, n)
       WHERE t.n + (SELECT count(*) FROM control_bench_samples WHERE run_id = $1 AND point_idx = $2) <= $4
       ON CONFLICT (run_id, point_idx, seq) DO NOTHING`,
      [runId, pointIdx, JSON.stringify(samples), max],
    );
    return r.rowCount;
  }

  async samples(runId: string, pointIdx: number): Promise<BenchSample[]> {
    const r = await this.db.query<{ sample: BenchSample }>(
      'SELECT sample FROM control_bench_samples WHERE run_id = $1 AND point_idx = $2 ORDER BY seq',
      [runId, pointIdx],
    );
    return r.rows.map((x) => x.sample);
  }

  async get(id: string): Promise<BenchRun | undefined> {
    const r = await this.db.query<RunRow>('SELECT * FROM control_bench_runs WHERE id = $1', [id]);
    const row = r.rows[0];
    if (!row) return undefined;
    const p = await this.db.query<{ point: BenchPoint }>('SELECT point FROM control_bench_points WHERE run_id = $1 ORDER BY idx', [id]);
    return toRun(row, p.rows.map((x) => x.point));
  }

  async list(filter: { hostId?: string | undefined; model?: string | undefined; status?: BenchRunStatus | undefined; limit: number }): Promise<BenchRunListItem[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.hostId) where.push(`r.host_id = $${params.push(filter.hostId)}`);
    if (filter.model) where.push(`r.model = $${params.push(filter.model)}`);
    if (filter.status) where.push(`r.status = $${params.push(filter.status)}`);
    params.push(filter.limit);
    const r = await this.db.query<RunRow & { point_count: number }>(
      `SELECT r.*, (SELECT count(*) FROM control_bench_points p WHERE p.run_id = r.id)::int AS point_count
       FROM control_bench_runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map((row) => {
      const { points: _points, ...rest } = toRun(row, []);
      return { ...rest, pointCount: row.point_count };
    });
  }

  /**
   * A run left queued or running whose job has ended (interrupted with a process that is gone,
   * or never created) is interrupted; its points stay. A run whose job is alive in another
   * control process is left alone. (`$1` is cast: untyped, `$1 - interval` reads as an interval.)
   */
  async interruptUnfinished(now: Date): Promise<number> {
    const r = await this.db.query(
      `UPDATE control_bench_runs r SET status = 'interrupted', finished_at = $1,
         error_code = COALESCE(error_code, 'INTERRUPTED'), error_message = COALESCE(error_message, 'control stopped while the bench was running')
       WHERE r.status IN ('queued', 'running')
         AND NOT EXISTS (SELECT 1 FROM control_jobs j WHERE j.id = r.job_id AND j.status IN ('queued', 'running'))
         AND r.created_at < $1::timestamptz - interval '5 seconds'`,
      [now],
    );
    return r.rowCount;
  }
}
