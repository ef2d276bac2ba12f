import { BENCH_LIMITS, BenchSpecSchema, type BenchSpec, type JsonlPrompt } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { parseJsonl } from './workloads';

export interface PreparedBench {
  spec: BenchSpec;
  /** the parsed JSONL prompts (jsonl workload only) */
  prompts: JsonlPrompt[] | undefined;
  /** the levels of the sweep, in run order */
  levels: number[];
}

/**
 * Validates a bench spec completely before anything is sent: limits → BENCH_INVALID_SPEC with
 * the zod issues in details; a bad JSONL line → BENCH_BAD_JSONL naming the line. Callers (the
 * REST route, the job) run this at submit time so a bad spec never becomes a queued job.
 */
export function prepareBench(input: unknown): PreparedBench {
  const r = BenchSpecSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    throw new AppError('BENCH_INVALID_SPEC', `invalid bench spec: ${where}${first?.message ?? 'invalid'}`, { issues: r.error.issues });
  }
  const spec = r.data;
  const levels = spec.driver.kind === 'concurrency' ? spec.driver.levels : spec.driver.rates;
  const repMs = (spec.window.measureS * 1000) / spec.repetitions;
  if (repMs < 100) {
    throw new AppError('BENCH_INVALID_SPEC', `invalid bench spec: window.measureS: ${spec.repetitions} repetitions of ${repMs.toFixed(0)} ms are too short (at least 100 ms each)`);
  }
  const prompts = spec.workload.kind === 'jsonl' ? parseJsonl(spec.workload.jsonl, BENCH_LIMITS.maxJsonlLines) : undefined;
  return { spec, prompts, levels };
}
