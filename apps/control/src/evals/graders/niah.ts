// Long-context retrieval (§2.6, E8): a needle sentence hidden at depth d % of a haystack of about
// L tokens, over a grid of lengths × depths up to the model's context; graded by exact answer
// match (no evaluator model, so the grid is deterministic). The summary is the grid, the accuracy,
// and the effective context length: the longest length whose mean score is ≥ 85.6 % (RULER).
import type { EvalSummary } from '@boocontrol/contracts';
import { bootstrapCi, effectiveContextLength, mean } from '../stats';
import type { Needle } from '../suites/schema';
import { blankResult, type Grader, type GradeEnv, type ScoredItem, type WorkUnit } from './types';

/** Words per token of English text on common tokenizers: lengths are targets in tokens. */
export const WORDS_PER_TOKEN = 1 / 1.3;
/** Room for the question, the system prompt and the answer (gkamradt's final_context_length_buffer). */
export const CONTEXT_BUFFER = 200;

/** The haystack of about `words` words with the needle inserted at a sentence boundary near depth %. */
export function buildHaystack(source: string, words: number, needle: string, depth: number): string {
  const base = source.split(/\s+/).filter(Boolean);
  const filler: string[] = [];
  for (let i = 0; filler.length < words; i++) filler.push(base[i % base.length] as string);
  const sentences = filler.join(' ').split(/(?<=[.!?])\s+/);
  const at = Math.round((depth / 100) * sentences.length);
  sentences.splice(at, 0, needle);
  return sentences.join(' ');
}

export function niahCells(env: GradeEnv): { cells: Array<{ length: number; depth: number; needle: Needle }>; skipped: number[] } {
  const niah = env.suite.manifest.niah;
  if (!niah) return { cells: [], skipped: [] };
  const needles = env.suite.items as Needle[];
  const ctx = env.contextTokens;
  const lengths = [...niah.lengths].sort((a, b) => a - b);
  const fits = (L: number) => ctx === null || L + CONTEXT_BUFFER <= ctx;
  const cells = lengths.filter(fits).flatMap((length, li) => niah.depths.map((depth, di) => ({ length, depth, needle: needles[(li * niah.depths.length + di) % needles.length] as Needle })));
  return { cells, skipped: lengths.filter((L) => !fits(L)) };
}

export const niahGrader: Grader = {
  units(env): WorkUnit[] {
    return niahCells(env).cells.map(({ length, depth, needle }) => ({
      id: `L${length}/d${depth}`,
      async run(): Promise<ScoredItem> {
        const hay = buildHaystack(env.suite.haystack ?? '', Math.floor(length * WORDS_PER_TOKEN), needle.needle, depth);
        const prompt = `<document>\n${hay}\n</document>\n\n${needle.question} Answer in one short sentence, using only the document.`;
        const a = await env.ask(env.ep, [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: prompt }], { temperature: 0, maxTokens: env.spec.maxTokens ?? 64, seed: env.spec.seed });
        const ok = a.text.toLowerCase().includes(needle.answer.toLowerCase());
        return {
          ...blankResult(`L${length}/d${depth}`, `[${hay.split(/\s+/).length} words of haystack] ${needle.question}`),
          reference: needle.answer,
          answer: a.text,
          score: ok ? 1 : 0,
          passed: ok,
          verdict: ok ? 'found' : 'missed',
          samples: [{ answer: a.text, passed: ok, score: ok ? 1 : 0, status: ok ? 'found' : 'missed', latencyMs: a.latencyMs, tokens: a.completionTokens }],
          detail: { length, depth, needle: needle.id, promptTokens: a.promptTokens },
        };
      },
    }));
  },
  summarize(results, spec, suite): EvalSummary {
    const grid = results.filter((r) => r.score !== null).map((r) => ({ length: Number(r.detail.length), depth: Number(r.detail.depth), score: r.score as number, promptTokens: (r.detail.promptTokens as number | null) ?? null }));
    const per = grid.map((g) => g.score);
    const lengths = [...new Set(grid.map((g) => g.length))].sort((a, b) => a - b);
    const tested = new Set(lengths);
    return {
      metric: 'NIAH accuracy',
      score: mean(per),
      ci: bootstrapCi(per, { seed: spec.seed }),
      n: grid.length,
      invalid: 0,
      figures: {
        effectiveContext: effectiveContextLength(grid),
        threshold: 0.856,
        byLength: lengths.map((L) => ({ length: L, score: mean(grid.filter((g) => g.length === L).map((g) => g.score)) })),
        depths: [...new Set(grid.map((g) => g.depth))].sort((a, b) => a - b),
        skippedLengths: (suite.manifest.niah?.lengths ?? []).filter((L) => !tested.has(L)),
        grid,
      },
    };
  },
};
