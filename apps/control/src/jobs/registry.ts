import type { z } from 'zod';
import type { Job } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';

/** What an executor gets: its job, a cancellation signal, and ways to report progress. */
export interface ActionContext {
  readonly job: Job;
  readonly signal: AbortSignal;
  /** The job's private input (EnqueueRequest.payload), as stored. */
  readonly payload: unknown;
  /** Appends output (a line or a chunk); streamed live and kept in the job's tail. */
  log(text: string): void;
  /** Merges facts into job.detail (stage, percent, loadMs…) and publishes a frame. */
  progress(detail: Record<string, unknown>): void;
  /**
   * Runs a child job on this job's lane and waits for it. The child does not queue behind its
   * parent (which holds the lane): it runs in the parent's slot, so a bench can switch its model
   * first without waiting on itself. Cancelling the parent cancels the child. Resolves with the
   * finished child when it succeeded; throws an AppError with the child's code otherwise.
   */
  child(req: ChildRequest): Promise<Job>;
}

export interface ChildRequest {
  jobType: string;
  params: Record<string, unknown>;
  payload?: unknown;
  detail?: Record<string, unknown> | undefined;
}

/** Runs the action. Returns extra detail for the finished job; throws AppError to fail it. */
export type Executor = (ctx: ActionContext) => Promise<Record<string, unknown> | void>;

/**
 * A job type as a feature registers it. Everything needed to run a job is in its row (type,
 * host, params), so a stored job can be dispatched again: the executor is built from the row,
 * never captured in a closure at enqueue time.
 */
export interface JobDefinition<P = Record<string, unknown>> {
  jobType: string;
  params: z.ZodType<P>;
  run(ctx: ActionContext, params: P, hostId: string | null): Promise<Record<string, unknown> | void>;
  /** Lane key; defaults to the host id (one job at a time per host). */
  lane?(hostId: string | null, params: P): string;
}

interface AnyDefinition {
  jobType: string;
  params: z.ZodType<unknown>;
  run(ctx: ActionContext, params: unknown, hostId: string | null): Promise<Record<string, unknown> | void>;
  lane?(hostId: string | null, params: unknown): string;
}

/** jobType → definition. Features register at construction; the queue dispatches from rows. */
export class JobRegistry {
  private readonly defs = new Map<string, AnyDefinition>();

  register<P>(def: JobDefinition<P>): void {
    if (this.defs.has(def.jobType)) throw new Error(`job type ${def.jobType} registered twice`);
    this.defs.set(def.jobType, def as unknown as AnyDefinition);
  }

  has(jobType: string): boolean {
    return this.defs.has(jobType);
  }

  types(): string[] {
    return [...this.defs.keys()].sort();
  }

  /** The definition and the parsed params; VALIDATION naming every bad field otherwise. */
  resolve(jobType: string, params: Record<string, unknown>): { def: AnyDefinition; params: unknown } {
    const def = this.defs.get(jobType);
    if (!def) throw new AppError('VALIDATION', `unknown job type ${jobType}`, { known: this.types() });
    const r = def.params.safeParse(params);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ path: ['params', ...i.path.map(String)].join('.'), message: i.message }));
      throw new AppError('VALIDATION', `invalid params for ${jobType}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    return { def, params: r.data };
  }
}
