import type { EvalItemResult, EvalProvenance, EvalRun, EvalRunSpec, EvalRunStatus, EvalSuiteKind, EvalSummary } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';
import type { ScoredItem } from './graders/types';

interface RunRow {
  id: string;
  job_id: string | null;
  host_id: string;
  model: string;
  suite: string;
  kind: EvalSuiteKind;
  config: EvalRunSpec;
  status: EvalRunStatus;
  provenance: EvalProvenance | null;
  summary: EvalSummary | null;
  items_total: number;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  items_done?: number;
}

const toRun = (r: RunRow): EvalRun => ({
  id: r.id,
  jobId: r.job_id,
  suite: r.suite,
  kind: r.kind,
  hostId: r.host_id,
  model: r.model,
  status: r.status,
  spec: r.config,
  provenance: r.provenance,
  summary: r.summary,
  itemsDone: r.items_done ?? 0,
  itemsTotal: r.items_total,
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

export interface EvalRunPatch {
  jobId?: string;
  status?: EvalRunStatus;
  provenance?: EvalProvenance;
  summary?: EvalSummary;
  error?: { code: string; message: string } | null;
  startedAt?: Date;
  finishedAt?: Date;
  itemsTotal?: number;
}

const DONE = '(SELECT count(*) FROM control_eval_results x WHERE x.run_id = r.id)::int AS items_done';

/** The only SQL of evals: runs and their per-item results. */
export class EvalRepo {
  constructor(private readonly db: Queryable) {}

  async create(run: { id: string; spec: EvalRunSpec; kind: EvalSuiteKind; suiteVersion: string; suiteHash: string; itemsTotal: number }): Promise<void> {
    await this.db.query(
      `INSERT INTO control_eval_runs (id, host_id, model, suite, kind, config, status, suite_version, suite_hash, items_total) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9)`,
      [run.id, run.spec.host, run.spec.model, run.spec.suite, run.kind, JSON.stringify(run.spec), run.suiteVersion, run.suiteHash, run.itemsTotal],
    );
  }

  async update(id: string, patch: EvalRunPatch): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (col: string, v: unknown) => sets.push(`${col} = $${params.push(v)}`);
    if (patch.jobId) add('job_id', patch.jobId);
    if (patch.status) add('status', patch.status);
    if (patch.provenance) add('provenance', JSON.stringify(patch.provenance));
    if (patch.summary) add('summary', JSON.stringify(patch.summary));
    if (patch.error !== undefined) {
      add('error_code', patch.error?.code ?? null);
      add('error_message', patch.error?.message ?? null);
    }
    if (patch.startedAt) add('started_at', patch.startedAt);
    if (patch.finishedAt) add('finished_at', patch.finishedAt);
    if (patch.itemsTotal !== undefined) add('items_total', patch.itemsTotal);
    if (sets.length === 0) return;
    await this.db.query(`UPDATE control_eval_runs SET ${sets.join(', ')} WHERE id = $1`, params);
  }

  /** Stores one finished item; a repeat (a resumed run racing its predecessor) keeps the first. */
  async putResult(runId: string, seq: number, r: ScoredItem): Promise<void> {
    const { itemId, score, passed, answer, ...rest } = r;
    await this.db.query(
      `INSERT INTO control_eval_results (run_id, item_id, seq, score, passed, output, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id, item_id) DO NOTHING`,
      [runId, itemId, seq, score, passed, answer, JSON.stringify(rest)],
    );
  }

  async results(runId: string, page?: { offset: number; limit: number }): Promise<ScoredItem[]> {
    const r = await this.db.query<{ item_id: string; score: number | null; passed: boolean | null; output: string | null; detail: Omit<ScoredItem, 'itemId' | 'score' | 'passed' | 'answer'> }>(
      `SELECT item_id, score, passed, output, detail FROM control_eval_results WHERE run_id = $1 ORDER BY seq, item_id${page ? ` OFFSET ${Math.floor(page.offset)} LIMIT ${Math.floor(page.limit)}` : ''}`,
      [runId],
    );
    return r.rows.map((x) => ({ ...x.detail, itemId: x.item_id, score: x.score, passed: x.passed, answer: x.output ?? '' }));
  }

  async doneIds(runId: string): Promise<Set<string>> {
    const r = await this.db.query<{ item_id: string }>('SELECT item_id FROM control_eval_results WHERE run_id = $1', [runId]);
    return new Set(r.rows.map((x) => x.item_id));
  }

  async get(id: string): Promise<EvalRun | undefined> {
    const r = await this.db.query<RunRow>(`SELECT r.*, ${DONE} FROM control_eval_runs r WHERE r.id = $1`, [id]);
    return r.rows[0] ? toRun(r.rows[0]) : undefined;
  }

  async list(f: { suite?: string | undefined; hostId?: string | undefined; model?: string | undefined; status?: EvalRunStatus | undefined; limit: number }): Promise<EvalRun[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.suite) where.push(`r.suite = $${params.push(f.suite)}`);
    if (f.hostId) where.push(`r.host_id = $${params.push(f.hostId)}`);
    if (f.model) where.push(`r.model = $${params.push(f.model)}`);
    if (f.status) where.push(`r.status = $${params.push(f.status)}`);
    params.push(f.limit);
    const r = await this.db.query<RunRow>(
      `SELECT r.*, ${DONE} FROM control_eval_runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(toRun);
  }

  /** Finished runs with a summary, newest first: the scoreboard's source. */
  async finished(suite?: string): Promise<EvalRun[]> {
    const r = await this.db.query<RunRow>(
      `SELECT r.*, ${DONE} FROM control_eval_runs r WHERE r.status = 'succeeded' AND r.summary IS NOT NULL ${suite ? 'AND r.suite = $1' : ''} ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1000`,
      suite ? [suite] : [],
    );
    return r.rows.map(toRun);
  }

  /** Runs left queued or running whose job has ended are interrupted; their items stay. */
  async interruptUnfinished(now: Date): Promise<number> {
    const r = await this.db.query(
      `UPDATE control_eval_runs r SET status = 'interrupted', finished_at = $1,
         error_code = COALESCE(error_code, 'INTERRUPTED'), error_message = COALESCE(error_message, 'control stopped while the eval was running; resume it to finish')
       WHERE r.status IN ('queued', 'running')
         AND NOT EXISTS (SELECT 1 FROM control_jobs j WHERE j.id = r.job_id AND j.status IN ('queued', 'running'))
         AND r.created_at < $1 - interval '5 seconds'`,
      [now],
    );
    return r.rowCount;
  }
}

export type { EvalItemResult };
