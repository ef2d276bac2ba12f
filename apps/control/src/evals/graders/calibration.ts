// Judge calibration (E1, E2): the model under test *is* the judge. Each shipped pair is judged in
// both orders; position consistency is the share of pairs with the same winner in both (target
// ≥ 80 %), agreement is with the human gold label on non-tie items, κ over all labels. The run is
// stored like any other, so the latest one per judge host × model is its calibration.
import type { EvalSummary } from '@boocontrol/contracts';
import { bootstrapCi, cohenKappa, mean } from '../stats';
import type { CalibrationPair } from '../suites/schema';
import { combine, pairPrompt, parsePair } from './judge';
import { blankResult, type Grader, type ScoredItem } from './types';

export const POSITION_CONSISTENCY_TARGET = 0.8;

export const calibrationGrader: Grader = {
  units(env) {
    return (env.suite.items as CalibrationPair[]).map((pair) => ({
      id: pair.id,
      async run(): Promise<ScoredItem> {
        const o = { temperature: 0, maxTokens: env.spec.maxTokens ?? 1024 };
        const first = await env.ask(env.ep, pairPrompt(pair.question, pair.a, pair.b), o);
        const second = await env.ask(env.ep, pairPrompt(pair.question, pair.b, pair.a), o);
        const v1 = parsePair(first.text);
        const v2 = parsePair(second.text);
        // X = answer a: a win means the judge prefers a in both orders
        const { outcome, consistent } = combine(v1, v2);
        const label = outcome === 'win' ? 'A' : outcome === 'loss' ? 'B' : 'tie';
        return {
          ...blankResult(pair.id, pair.question),
          reference: `gold: ${pair.gold}`,
          answer: `order 1: ${v1}; order 2 (swapped): ${v2}`,
          score: consistent ? 1 : 0,
          passed: pair.gold === 'tie' ? null : label === pair.gold,
          verdict: label,
          rationale: `${first.text}\n\n--- swapped ---\n\n${second.text}`,
          samples: [first, second].map((a, i) => ({ answer: a.text, passed: null, score: null, status: i === 0 ? v1 : v2, latencyMs: a.latencyMs, tokens: a.completionTokens })),
          detail: { gold: pair.gold, label, orders: [v1, v2], consistent },
        };
      },
    }));
  },
  summarize(results, spec): EvalSummary {
    const per = results.map((r) => r.score ?? 0);
    const nonTie = results.filter((r) => r.detail.gold !== 'tie');
    const agreement = nonTie.length ? nonTie.filter((r) => r.detail.label === r.detail.gold).length / nonTie.length : 0;
    const consistency = mean(per);
    return {
      metric: 'position consistency',
      score: consistency,
      ci: bootstrapCi(per, { seed: spec.seed }),
      n: results.length,
      invalid: 0,
      figures: {
        agreement,
        kappa: cohenKappa(results.map((r) => [String(r.detail.label), String(r.detail.gold)] as const)),
        target: POSITION_CONSISTENCY_TARGET,
        meetsTarget: consistency >= POSITION_CONSISTENCY_TARGET,
      },
    };
  },
};
