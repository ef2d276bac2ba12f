import { ERROR_STATUS, type ErrorCode, type Job, type JobStatus } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';
import { patchSet } from '../db/patch';

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
  parent_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A code stored by an older build that is no longer in the table reads as INTERNAL. */
const asCode = (c: string): ErrorCode => (c in ERROR_STATUS ? (c as ErrorCode) : 'INTERNAL');

const toJob = (r: JobRow): Job => ({
  id: r.id,
  hostId: r.host_id,
  jobType: r.job_type,
  status: r.status,
  params: r.params ?? {},
  detail: r.detail ?? {},
  outputTail: r.output_tail,
  parentId: r.parent_id,
  error: r.error_code ? { code: asCode(r.error_code), message: r.error_message ?? '' } : null,
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
  lane?: string | undefined;
  parentId?: string | undefined;
  /** Input kept with the row but never shown by the API (a config text that may hold keys). */
  payload?: unknown;
}

export interface JobPatch {
  status?: JobStatus;
  detail?: Record<string, unknown>;
  outputTail?: string;
  error?: { code: ErrorCode; message: string } | null;
  startedAt?: Date;
  finishedAt?: Date;
}

export class JobsRepo {
  constructor(private readonly db: Queryable) {}

  /** Inserts a queued job. With an idempotency key already used, returns the existing job instead. */
  async insert(job: NewJob): Promise<{ job: Job; created: boolean }> {
    const r = await this.db.query<JobRow>(
      `INSERT INTO control_jobs (id, host_id, job_type, status, params, idempotency_key, detail, lane, parent_id, payload, heartbeat_at)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, now())
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING *`,
      [job.id, job.hostId, job.jobType, JSON.stringify(job.params), job.idempotencyKey ?? null, JSON.stringify(job.detail ?? {}), job.lane ?? null, job.parentId ?? null, job.payload === undefined ? null : JSON.stringify(job.payload)],
    );
    if (r.rows[0]) return { job: toJob(r.rows[0]), created: true };
    const existing = await this.db.query<JobRow>('SELECT * FROM control_jobs WHERE idempotency_key = $1', [job.idempotencyKey]);
    if (!existing.rows[0]) throw new Error('idempotent insert found no row');
    return { job: toJob(existing.rows[0]), created: false };
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const { sets, params } = patchSet({
      status: patch.status,
      detail: patch.detail && JSON.stringify(patch.detail),
      output_tail: patch.outputTail,
      error_code: patch.error === undefined ? undefined : (patch.error?.code ?? null),
      error_message: patch.error === undefined ? undefined : (patch.error?.message ?? null),
      started_at: patch.startedAt,
      finished_at: patch.finishedAt,
    });
    if (sets.length === 0) return;
    await this.db.query(`UPDATE control_jobs SET ${sets.join(', ')} WHERE id = $1`, [id, ...params]);
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

  async payloadOf(id: string): Promise<unknown> {
    const r = await this.db.query<{ payload: unknown }>('SELECT payload FROM control_jobs WHERE id = $1', [id]);
    return r.rows[0]?.payload ?? undefined;
  }

  /**
   * Asks for a job to be cancelled through its row (the owner may be another process). Returns
   * the row, or undefined when there is no such job; a finished job is left as it is.
   */
  async requestCancel(id: string, now: Date): Promise<Job | undefined> {
    await this.db.query(`UPDATE control_jobs SET cancel_requested_at = COALESCE(cancel_requested_at, $2) WHERE id = $1 AND status IN ('queued', 'running')`, [id, now]);
    return this.get(id);
  }

  /** Stamps the owner's heartbeat on live jobs; returns those with a cancel request. */
  async heartbeat(ids: string[]): Promise<string[]> {
    const r = await this.db.query<{ id: string; cancel_requested_at: Date | null }>(
      'UPDATE control_jobs SET heartbeat_at = now() WHERE id = ANY($1::text[]) RETURNING id, cancel_requested_at',
      [ids],
    );
    return r.rows.filter((x) => x.cancel_requested_at !== null).map((x) => x.id);
  }

  /** Unfinished jobs whose owner stopped beating before `staleBefore` belonged to a process that is gone. */
  async interruptStale(staleBefore: Date, mine: string[] = []): Promise<number> {
    const r = await this.db.query(
      `UPDATE control_jobs SET status = 'interrupted', finished_at = now(),
         error_code = COALESCE(error_code, 'INTERRUPTED'), error_message = COALESCE(error_message, 'control stopped while the job was unfinished')
       WHERE status IN ('queued', 'running') AND (heartbeat_at IS NULL OR heartbeat_at < $1) AND NOT (id = ANY($2::text[]))`,
      [staleBefore, mine],
    );
    return r.rowCount;
  }
}
