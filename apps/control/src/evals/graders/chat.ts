// Chat suites (MT-Bench style, §2.1–2.3): the candidate answers one or two turns at MT-Bench's
// temperature per category; the judge rates the answer 1–10 (with the reference for math,
// reasoning and coding) and, where the item has a baseline answer, compares candidate and baseline
// in both orders. Reported: mean rating (the headline, as rating / 10), win rate against the
// baseline and its length-controlled version, and the judge's position consistency on this run.
import type { EvalSummary } from '@boocontrol/contracts';
import { AppError } from '../../lib/errors';
import type { ChatMessage } from '../client';
import { bootstrapCi, lengthControlledWinRate, mean } from '../stats';
import type { ChatItem } from '../suites/schema';
import { blankResult, type Grader, type ScoredItem } from './types';
import { NEED_REF, combine, pairPrompt, parsePair, parseRating, singlePrompt } from './judge';

/** FastChat's temperature_config: answers are sampled as MT-Bench does, per category. */
export const CATEGORY_TEMPERATURE: Record<ChatItem['category'], number> = {
  writing: 0.7,
  roleplay: 0.7,
  extraction: 0,
  math: 0,
  coding: 0,
  reasoning: 0,
  stem: 0.1,
  humanities: 0.1,
};

const JUDGE_OPTS = { temperature: 0, maxTokens: 1024 };

export const chatGrader: Grader = {
  units(env) {
    return (env.suite.items as ChatItem[]).map((item) => ({
      id: item.id,
      async run(): Promise<ScoredItem> {
        const judge = env.judge;
        if (!judge) throw new AppError('EVAL_JUDGE_NOT_FOUND', 'a chat suite needs a judge');
        const temperature = env.spec.temperature ?? CATEGORY_TEMPERATURE[item.category];
        const maxTokens = env.spec.maxTokens ?? env.suite.manifest.defaults.maxTokens ?? 1024;
        const history: ChatMessage[] = [];
        const answers: string[] = [];
        let latency = 0;
        let tokens = 0;
        for (const turn of item.turns) {
          history.push({ role: 'user', content: turn });
          const a = await env.ask(env.ep, history, { temperature, maxTokens, seed: env.spec.seed });
          history.push({ role: 'assistant', content: a.text });
          answers.push(a.text);
          latency += a.latencyMs;
          tokens += a.completionTokens ?? 0;
        }
        const reference = NEED_REF.has(item.category) ? item.reference : undefined;
        const single = await env.ask(judge, singlePrompt({ turns: item.turns, answers }, reference), JUDGE_OPTS);
        const rating = parseRating(single.text);
        const detail: Record<string, unknown> = { category: item.category, turns: item.turns, answers, rating, referenceGuided: !!reference };
        let verdict = rating === null ? 'no rating' : `rating ${rating}`;
        if (item.baseline) {
          const answer = answers[answers.length - 1] ?? '';
          const question = item.turns[item.turns.length - 1] ?? '';
          const first = await env.ask(judge, pairPrompt(question, answer, item.baseline), JUDGE_OPTS);
          const second = await env.ask(judge, pairPrompt(question, item.baseline, answer), JUDGE_OPTS);
          const v1 = parsePair(first.text);
          const v2 = parsePair(second.text);
          const { outcome, consistent } = combine(v1, v2);
          Object.assign(detail, { pair: { orders: [v1, v2], outcome, consistent, rationales: [first.text, second.text], lenDiff: answer.length - item.baseline.length } });
          verdict += `; vs baseline: ${outcome}${consistent ? '' : ' (orders disagree)'}`;
        }
        return {
          ...blankResult(item.id, item.turns.join('\n\n---\n\n')),
          reference: item.reference ?? item.baseline ?? null,
          answer: answers.join('\n\n---\n\n'),
          score: rating === null ? null : rating / 10,
          passed: null,
          verdict,
          rationale: single.text,
          samples: [{ answer: answers.join('\n\n---\n\n'), passed: null, score: rating, status: rating === null ? 'unparsed' : 'rated', latencyMs: latency, tokens }],
          detail,
        };
      },
    }));
  },
  summarize(results, spec): EvalSummary {
    const rated = results.filter((r) => r.score !== null);
    const per = rated.map((r) => r.score as number);
    const pairs = results.map((r) => r.detail.pair as { outcome: 'win' | 'loss' | 'tie'; consistent: boolean; lenDiff: number } | undefined).filter((p): p is NonNullable<typeof p> => !!p);
    const win = (o: string) => (o === 'win' ? 1 : o === 'tie' ? 0.5 : 0);
    return {
      metric: 'judge rating / 10',
      score: mean(per),
      ci: bootstrapCi(per, { seed: spec.seed }),
      n: rated.length,
      invalid: results.length - rated.length,
      figures: {
        meanRating: mean(per) * 10,
        pairs: pairs.length,
        winRate: pairs.length ? mean(pairs.map((p) => win(p.outcome))) : null,
        winRateCi: pairs.length ? bootstrapCi(pairs.map((p) => win(p.outcome)), { seed: spec.seed }) : null,
        lcWinRate: pairs.length ? lengthControlledWinRate(pairs.map((p) => ({ win: win(p.outcome), lenDiff: p.lenDiff }))) : null,
        wins: pairs.filter((p) => p.outcome === 'win').length,
        losses: pairs.filter((p) => p.outcome === 'loss').length,
        ties: pairs.filter((p) => p.outcome === 'tie').length,
        positionConsistency: pairs.length ? pairs.filter((p) => p.consistent).length / pairs.length : null,
        unparsedRatings: results.length - rated.length,
      },
    };
  },
};
