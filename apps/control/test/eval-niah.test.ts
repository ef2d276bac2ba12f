// A long-context eval against the scripted simulator: the model finds the needle only in prompts
// under 3,000 words (and misses one depth at 2,048), so the grid and the effective context length
// are known. Lengths beyond the model's context are not run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHaystack } from '../src/evals/graders/niah';
import type { Needle } from '../src/evals/suites/schema';
import { backends, type Backend } from './helpers/db';
import { startEvalStack, suiteItems, type EvalStack, type Script } from './helpers/evals';

const needles = suiteItems<Needle>('long-context');

const reader: Script = (req) => {
  const doc = req.lastUser;
  const n = needles.find((x) => doc.includes(x.needle) && doc.includes(x.question));
  if (!n) return undefined;
  const words = doc.split(/\s+/).length;
  const where = doc.indexOf(n.needle) / doc.length;
  if (words >= 3000) return 'The document does not say.';
  if (words > 1000 && words < 2000 && where > 0.97) return 'I could not find it.';
  return `It says: ${n.answer}.`;
};

describe('haystack', () => {
  it('inserts the needle at the requested depth, at a sentence boundary', () => {
    const src = 'One two three. Four five six. Seven eight nine. Ten eleven twelve.';
    expect(buildHaystack(src, 12, 'NEEDLE.', 0).startsWith('NEEDLE.')).toBe(true);
    expect(buildHaystack(src, 12, 'NEEDLE.', 100).endsWith('NEEDLE.')).toBe(true);
    expect(buildHaystack(src, 12, 'NEEDLE.', 50)).toBe('One two three. Four five six. NEEDLE. Seven eight nine. Ten eleven twelve.');
  });
});

describe.each(backends())('long-context eval on $name', (backend: Backend) => {
  let s: EvalStack;
  beforeAll(async () => {
    s = await startEvalStack(backend, { reader: { loadMs: 20, genTps: 20000, promptTps: 500000, contextLength: 8192, script: reader } });
  }, 60_000);
  afterAll(() => s?.close());

  it('the NIAH grid (≥ 8 lengths × ≥ 10 depths in the suite) and the effective context length', async () => {
    const res = await s.post('evals/runs', { suite: 'long-context', host: 'h1', model: 'reader', contextTokens: 8192 });
    expect(res.statusCode, res.body).toBe(202);
    const run = await s.finished(res.json().runId, 120_000);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const f = run.summary!.figures as { effectiveContext: number; byLength: Array<{ length: number; score: number }>; skippedLengths: number[]; depths: number[] };
    // 6 lengths fit 8192 − 200; 11 depths each
    expect(run.itemsTotal).toBe(66);
    expect(run.summary!.n).toBe(66);
    expect(f.depths).toHaveLength(11);
    expect(f.skippedLengths).toEqual([8192, 16384, 32768, 65536]);
    expect(f.byLength.map((b) => b.length)).toEqual([512, 1024, 2048, 3072, 4096, 6144]);
    expect(f.byLength.map((b) => b.score)).toEqual([1, 1, 10 / 11, 1, 0, 0]);
    expect(f.effectiveContext).toBe(3072);
    expect(run.summary!.score).toBeCloseTo((11 + 11 + 10 + 11) / 66, 10);
    const cell = run.items.find((x) => x.itemId === 'L512/d50')!;
    expect(cell).toMatchObject({ passed: true, verdict: 'found' });
    expect(cell.detail.promptTokens as number).toBeGreaterThan(350);
  }, 150_000);
});
