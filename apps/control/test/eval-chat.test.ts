// Chat evals and judge calibration end to end: a scripted candidate and a scripted judge on the
// simulator (the judge's verdicts are known, including a position-biased one), so rating, win
// rate, position consistency, agreement and κ are known numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalScoreboardSchema } from '@boocontrol/contracts';
import type { CalibrationPair, ChatItem } from '../src/evals/suites/schema';
import { combine, parsePair, parseRating } from '../src/evals/graders/judge';
import { backends, type Backend } from './helpers/db';
import { startEvalStack, suiteItems, type EvalStack, type Script } from './helpers/evals';

const chat = suiteItems<ChatItem>('chat');
const pairs = suiteItems<CalibrationPair>('judge-calibration');
const GOOD = new Set(chat.slice(0, 6).map((i) => i.id));
const BIASED_ITEM = chat[9]!.id;
const BIASED_PAIRS = new Set(pairs.filter((p) => p.gold !== 'tie').slice(0, 4).map((p) => p.id));

const candidate: Script = (req) => {
  const item = chat.find((i) => i.turns.includes(req.lastUser));
  if (!item) return undefined;
  return `${GOOD.has(item.id) ? 'GOOD' : 'BAD'} answer to ${item.id}, turn ${item.turns.indexOf(req.lastUser) + 1}.`;
};

const between = (text: string, who: 'A' | 'B') => text.split(`[The Start of Assistant ${who}'s Answer]`)[1]?.split(`[The End of Assistant ${who}'s Answer]`)[0] ?? '';

const judge: Script = (req) => {
  const sys = req.messages[0]?.content ?? '';
  const user = req.lastUser;
  if (sys.includes('[[rating]]')) return `Explanation. Rating: [[${user.includes('GOOD answer') ? 8 : 3}]]`;
  if (!sys.includes('[[A]]')) return undefined;
  const a = between(user, 'A');
  const b = between(user, 'B');
  const pair = pairs.find((p) => user.includes(`[User Question]\n${p.question}\n`));
  if (pair) {
    if (BIASED_PAIRS.has(pair.id)) return 'The first one. [[A]]';
    if (pair.gold === 'tie') return 'Equal. [[C]]';
    const better = pair.gold === 'A' ? pair.a : pair.b;
    return a.trim() === better ? 'A is right. [[A]]' : 'B is right. [[B]]';
  }
  if (user.includes(BIASED_ITEM)) return 'The first one. [[A]]';
  if (a.includes('GOOD') || b.includes('BAD')) return 'A is better. [[A]]';
  return 'B is better. [[B]]';
};

describe('judge verdict parsing', () => {
  it('parses ratings and verdicts as FastChat does; a win needs both orders', () => {
    expect(parseRating('Rating: [[7.5]]')).toBe(7.5);
    expect(parseRating('I give it [6]')).toBe(6);
    expect(parseRating('no score')).toBeNull();
    expect(parsePair('so [[B]]')).toBe('B');
    expect(combine('A', 'B')).toEqual({ outcome: 'win', consistent: true });
    expect(combine('B', 'A')).toEqual({ outcome: 'loss', consistent: true });
    expect(combine('A', 'A')).toEqual({ outcome: 'tie', consistent: false });
    expect(combine('tie', 'tie')).toEqual({ outcome: 'tie', consistent: true });
  });
});

describe.each(backends())('chat eval and judge calibration on $name', (backend: Backend) => {
  let s: EvalStack;
  beforeAll(async () => {
    s = await startEvalStack(backend, {
      'cand-7b': { loadMs: 20, genTps: 20000, promptTps: 200000, script: candidate },
      'judge-70b': { loadMs: 20, genTps: 20000, promptTps: 200000, script: judge },
    });
  }, 60_000);
  afterAll(() => s?.close());

  it('calibrates the judge: position consistency, agreement and κ from the scripted verdicts', async () => {
    const res = await s.post('evals/runs', { suite: 'judge-calibration', host: 'h1', model: 'judge-70b' });
    expect(res.statusCode, res.body).toBe(202);
    const run = await s.finished(res.json().runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(run.summary!.metric).toBe('position consistency');
    expect(run.summary!.score).toBeCloseTo(16 / 20, 10); // 4 biased pairs of 20
    const f = run.summary!.figures as Record<string, unknown>;
    expect(f.agreement).toBeCloseTo(14 / 18, 10); // 18 non-tie golds, the 4 biased end as ties
    expect(f.meetsTarget).toBe(true);
    expect(f.kappa as number).toBeGreaterThan(0.6);
  }, 60_000);

  it('chat: rating, win rate against the baseline in both orders, and the calibration next to the score', async () => {
    const res = await s.post('evals/runs', { suite: 'chat', host: 'h1', model: 'cand-7b' });
    expect(res.statusCode, res.body).toBe(202);
    const run = await s.finished(res.json().runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    // the default judge is the largest model on the fleet: judge-70b
    expect(run.provenance!.judge).toEqual({ host: 'h1', model: 'judge-70b' });
    expect(run.summary!.score).toBeCloseTo(0.6, 10); // (6 × 8 + 4 × 3) / 10 / 10
    const f = run.summary!.figures as Record<string, number>;
    expect(f.meanRating).toBeCloseTo(6, 10);
    expect(f).toMatchObject({ wins: 6, losses: 3, ties: 1, pairs: 10 });
    expect(f.winRate).toBeCloseTo(0.65, 10);
    expect(f.positionConsistency).toBeCloseTo(0.9, 10);
    expect(typeof f.lcWinRate).toBe('number');
    const math = run.items.find((x) => x.itemId === 'math/tokens')!;
    expect(math.detail.referenceGuided).toBe(true);
    expect(math.rationale).toContain('Rating: [[');
    const two = run.items.find((x) => x.itemId === 'writing/release-note')!;
    expect((two.detail.answers as string[]).length).toBe(2);
    const biased = run.items.find((x) => x.itemId === BIASED_ITEM)!;
    expect(biased.verdict).toContain('tie (orders disagree)');
    const board = EvalScoreboardSchema.parse((await s.get('evals/scoreboard?suite=chat')).json());
    expect(board.rows[0]!.judge).toMatchObject({ model: 'judge-70b', hostId: 'h1', positionConsistency: 0.8 });
  }, 60_000);
});
