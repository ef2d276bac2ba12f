import type { Job, JobStatus } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

interface JobRow {
  id: string;
  host_id: string | null;
  job_type: string;
  status: JobStatus;
  params: Record<string, unknown>;
  detail: Record<string, unknown>;
  output_tail: string;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  hostId: r.host_id,
  jobType: r.job_type,
  status: r.status,
  params: r.params ?? {},
  detail: r.detail ?? {},
  outputTail: r.output_tail,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export interface NewJob {
  id: string;
  hostId: string | null;
  jobType: string;
  params: Record<string, unknown>;
  idempotencyKey?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface JobPatch {
  status?: JobStatus;
  detail?: Record<string, unknown>;
  outputTail?: string;
  error?: { code: string; message: string } | null;
  startedAt?: Date;
  finishedAt?: Date;
}

export class JobsRepo {
  constructor(private readonly db: Queryable) {}

  /** Inserts a queued job. With an idempotency key already used, returns the existing job instead. */
  async insert(job: NewJob): Promise<{ job: Job; created: boolean }> {
    const r = await this.db.query<JobRow>(
      `INSERT INTO control_jobs (id, host_id, job_type, status, params, idempotency_key, detail)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6)
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING *`,
      [job.id, job.hostId, job.jobType, JSON.stringify(job.params), job.idempotencyKey ?? null, JSON.stringify(job.detail ?? {})],
    );
    if (r.rows[0]) return { job: toJob(r.rows[0]), created: true };
    const existing = await this.db.query<JobRow>('SELECT * FROM control_jobs WHERE idempotency_key = $1', [job.idempotencyKey]);
    if (!existing.rows[0]) throw new Error('idempotent insert found no row');
    return { job: toJob(existing.rows[0]), created: false };
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (patch.status) add('status', patch.status);
    if (patch.detail) add('detail', JSON.stringify(patch.detail));
    if (patch.outputTail !== undefined) add('output_tail', patch.outputTail);
    if (patch.error !== undefined) {
      add('error_code', patch.error?.code ?? null);
      add('error_message', patch.error?.message ?? null);
    }
    if (patch.startedAt) add('started_at', patch.startedAt);
    if (patch.finishedAt) add('finished_at', patch.finishedAt);
    if (sets.length === 0) return;
    await this.db.query(`UPDATE control_jobs SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  async get(id: string): Promise<Job | undefined> {
    const r = await this.db.query<JobRow>('SELECT * FROM control_jobs WHERE id = $1', [id]);
    return r.rows[0] ? toJob(r.rows[0]) : undefined;
  }

  async list(filter: { hostId?: string | undefined; status?: JobStatus | undefined; jobType?: string | undefined; limit: number }): Promise<Job[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.hostId) where.push(`host_id = $${params.push(filter.hostId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.jobType) where.push(`job_type = $${params.push(filter.jobType)}`);
    params.push(filter.limit);
    const r = await this.db.query<JobRow>(
      `SELECT * FROM control_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(toJob);
  }

  /** At boot: whatever was queued or running belonged to a process that is gone. */
  async interruptUnfinished(now: Date): Promise<number> {
    const r = await this.db.query(
      `UPDATE control_jobs SET status = 'interrupted', finished_at = $1,
         error_code = COALESCE(error_code, 'INTERRUPTED'), error_message = COALESCE(error_message, 'control stopped while the job was unfinished')
       WHERE status IN ('queued', 'running')`,
      [now],
    );
    return r.rowCount;
  }
}
