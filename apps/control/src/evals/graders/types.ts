// The shape every suite kind's grader has: a list of work units (one per item, or per NIAH cell)
// whose results are stored as they finish, and a summary computed from all stored results, so a
// resumed run summarises what the interrupted one kept.
import type { EvalItemResult, EvalRunSpec, EvalSummary } from '@boocontrol/contracts';
import type { ChatAnswer, ChatMessage, ChatOptions, ModelEndpoint } from '../client';
import type { Sandbox } from '../sandbox/sandbox';
import type { Suite } from '../suites/loader';

export interface GradeEnv {
  suite: Suite;
  spec: EvalRunSpec;
  /** the model under test */
  ep: ModelEndpoint;
  /** the judge (chat suites; the calibration's model under test is the judge itself) */
  judge: ModelEndpoint | null;
  sandbox: Sandbox;
  signal: AbortSignal;
  /** the model's context in tokens, when known (long-context) */
  contextTokens: number | null;
  /** every model call goes through here (the job records the build and counts calls) */
  ask(ep: ModelEndpoint, messages: ChatMessage[], o: Omit<ChatOptions, 'signal'>): Promise<ChatAnswer>;
}

/** A stored result; `invalid` items (a reference that fails its own tests) are not scored. */
export type ScoredItem = EvalItemResult & { invalid?: boolean };

export interface WorkUnit {
  id: string;
  run(): Promise<ScoredItem>;
}

export interface Grader {
  units(env: GradeEnv): WorkUnit[];
  summarize(results: readonly ScoredItem[], spec: EvalRunSpec, suite: Suite): EvalSummary;
}

/** Sampling as the run asked: greedy for one sample (labelled so), else the given temperature. */
export function sampling(spec: EvalRunSpec, suite: Suite, fallbackTemp = 0.8): { temperature: number; maxTokens: number; greedy: boolean } {
  const greedy = spec.samples === 1 && spec.temperature === undefined;
  return {
    temperature: greedy ? 0 : (spec.temperature ?? suite.manifest.defaults.temperature ?? fallbackTemp),
    maxTokens: spec.maxTokens ?? suite.manifest.defaults.maxTokens ?? 1024,
    greedy,
  };
}

export const blankResult = (itemId: string, prompt: string): ScoredItem => ({
  itemId,
  score: null,
  passed: null,
  prompt,
  reference: null,
  answer: '',
  verdict: null,
  rationale: null,
  samples: [],
  detail: {},
});
