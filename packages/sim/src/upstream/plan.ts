// When each token of one completion is due, and the `timings` that go with it. All times are ms
// after the upstream started on the request (the pacer schedules them from there).
import type { SimSchedule, SimScheduleStep, SpeedDraw } from '../timing';

export interface TokenPlan {
  /** timings.prompt_ms */
  promptMs: number;
  /** timings.predicted_ms */
  predictedMs: number;
  /** due time of token k (0-based) */
  at(k: number): number;
  /** when the response completes: the last token, or the end of the prompt when there is none */
  doneMs: number;
}

/**
 * The model's speeds, scaled by the request's variance draw and the slowTokens fault: the prompt
 * takes prompt_n / promptTps, then one token every 1000 / genTps ms.
 */
export function speedPlan(promptN: number, tokens: number, promptTps: number, genTps: number, slow: number, draw: SpeedDraw): TokenPlan {
  const promptMs = (promptN / promptTps) * 1000 * slow * draw.promptTime;
  const perTok = (1000 / genTps) * slow * draw.genTime;
  return {
    promptMs,
    predictedMs: tokens * perTok,
    at: (k) => promptMs + (k + 1) * perTok,
    doneMs: promptMs + tokens * perTok,
  };
}

/**
 * A fixed schedule: token 0 at firstTokenMs, token k after k gaps. As in llama.cpp, prompt_ms is
 * the time to the first token (it is sampled when the prompt is done) and predicted_ms runs from
 * the first token to the last.
 */
export function schedulePlan(step: SimScheduleStep, tokens: number): TokenPlan & { chunkMs: number[] } {
  const chunkMs: number[] = [];
  let t = step.firstTokenMs;
  for (let k = 0; k < tokens; k++) {
    if (k > 0) t += gapAt(step.gapMs, k - 1);
    chunkMs.push(t);
  }
  const last = chunkMs[chunkMs.length - 1] ?? step.firstTokenMs;
  return {
    promptMs: step.firstTokenMs,
    predictedMs: last - step.firstTokenMs,
    at: (k) => chunkMs[k] ?? last,
    doneMs: last,
    chunkMs,
  };
}

function gapAt(gap: number | number[], i: number): number {
  if (typeof gap === 'number') return gap;
  return gap[Math.min(i, gap.length - 1)] ?? 0;
}

export class ScheduleError extends Error {}

const finite = (x: unknown, min = 0): x is number => typeof x === 'number' && Number.isFinite(x) && x >= min;

/** The step for a request index; a schedule function's result is checked, since it is user code. */
export function stepFor(schedule: SimSchedule, index: number): SimScheduleStep {
  let step: unknown;
  if (typeof schedule === 'function') {
    try {
      step = schedule(index);
    } catch (e) {
      throw new ScheduleError(`schedule function threw for request ${index}: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (Array.isArray(schedule)) step = schedule[index % schedule.length];
  else step = schedule;
  return checkStep(step, `request ${index}`);
}

export function checkStep(step: unknown, where: string): SimScheduleStep {
  const s = step as Partial<SimScheduleStep> | null | undefined;
  if (!s || typeof s !== 'object') throw new ScheduleError(`schedule step for ${where} is not an object`);
  if (!finite(s.firstTokenMs)) throw new ScheduleError(`schedule step for ${where}: firstTokenMs must be a number ≥ 0`);
  const gapOk = finite(s.gapMs) || (Array.isArray(s.gapMs) && s.gapMs.length > 0 && s.gapMs.every((g) => finite(g)));
  if (!gapOk) throw new ScheduleError(`schedule step for ${where}: gapMs must be a number ≥ 0 or a non-empty list of them`);
  if (s.tokens !== undefined && !(finite(s.tokens) && Number.isInteger(s.tokens))) throw new ScheduleError(`schedule step for ${where}: tokens must be an integer ≥ 0`);
  return s as SimScheduleStep;
}
