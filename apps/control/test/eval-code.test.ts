// A full code eval against the simulator's scripted model: the shipped suite, real bubblewrap, the
// job on the host lane under the lease, results in the database, REST, scoreboard — and the score
// equals the known right answer. Bad input gets typed errors and stores nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalScoreboardSchema } from '@boocontrol/contracts';
import { findTools } from '../src/evals/sandbox/bwrap';
import type { CodeItem } from '../src/evals/suites/schema';
import { backends, type Backend } from './helpers/db';
import { startEvalStack, suiteItems, suitesCopy, type EvalStack, type Script } from './helpers/evals';

const items = suiteItems<CodeItem>('code');
const byPrompt = (text: string) => items.find((i) => text.includes(i.prompt));
const WRONG = new Set(['py/roman', 'js/percentile']);
const LOOP = 'py/median';
const ESCAPE = 'py/rle';
const SEEDED = 'py/chunk';

const fence = (i: CodeItem, code: string) => `Here you go:\n\n\`\`\`${i.language}\n${code}\`\`\`\n`;
/** Known answers: canonical for most, wrong for two, an infinite loop, a breakout attempt, and one right only for even seeds. */
const script: Script = (req) => {
  const i = byPrompt(req.lastUser);
  if (!i) return undefined;
  if (WRONG.has(i.id)) return fence(i, i.language === 'python' ? 'def to_roman(n):\n    return "I" * n\n' : 'function percentile(xs, p) { return xs[0]; }\n');
  if (i.id === LOOP) return fence(i, 'def median(xs):\n    while True:\n        pass\n');
  if (i.id === ESCAPE) return fence(i, 'import socket, os\ndef rle(s):\n    socket.create_connection(("127.0.0.1", 5432), timeout=1)\n    open("/etc/boo-escape", "w").write("x")\n    return ""\n');
  if (i.id === SEEDED && Number(req.body.seed) % 2 === 1) return fence(i, 'def chunk(xs, size):\n    return [xs]\n');
  return fence(i, i.canonical);
};

const haveBwrap = findTools().tools !== null;

describe.skipIf(!haveBwrap).each(backends())('code eval end to end on $name', (backend: Backend) => {
  let s: EvalStack;
  const suites = suitesCopy({
    broken: { 'manifest.json': JSON.stringify({ name: 'broken', version: '1', kind: 'code', files: ['items.jsonl'] }), 'items.jsonl': `${JSON.stringify(items[0])}\n{"id": "x", "language": "cobol"}\n` },
  });
  beforeAll(async () => {
    s = await startEvalStack(backend, { coder: { loadMs: 20, genTps: 20000, promptTps: 100000, script }, 'judge-70b': { loadMs: 20, genTps: 20000 } }, { suitesDir: suites.dir });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    suites.remove();
  });

  it('greedy pass@1 equals the known right answer; every item stored with its verdict and test output', async () => {
    const res = await s.post('evals/runs', { suite: 'code', host: 'h1', model: 'coder' });
    expect(res.statusCode, res.body).toBe(202);
    const run = await s.finished(res.json().runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    // 15 items: two wrong, one loops, one tries to break out, and SEEDED fails at seed 1 → 10 / 15
    expect(run.summary).toMatchObject({ metric: 'pass@1 (greedy, n=1)', n: 15, invalid: 0 });
    expect(run.summary!.score).toBeCloseTo(10 / 15, 10);
    expect(run.summary!.ci.low).toBeLessThan(run.summary!.score);
    expect(run.summary!.ci.high).toBeGreaterThan(run.summary!.score);
    expect(run.items).toHaveLength(15);
    const item = (id: string) => run.items.find((x) => x.itemId === id)!;
    expect(item(LOOP).samples[0]!.status).toBe('timeout');
    expect(item(LOOP).detail.timeoutMs).toBe(4000); // max(floor 4 s, 4 × a ~50 ms reference)
    expect(item(ESCAPE).passed).toBe(false);
    expect(item(ESCAPE).samples[0]!.output).toMatch(/ConnectionRefusedError|OSError|Errno/);
    expect(item('py/roman').samples[0]!.output).toContain('AssertionError');
    expect(item('py/slugify')).toMatchObject({ passed: true, score: 1, reference: items[0]!.canonical });
    expect(run.provenance).toMatchObject({ suiteVersion: '1.0.0', sampling: { greedy: true, temperature: 0, samples: 1 } });
    expect(run.provenance!.suiteHash).toMatch(/^sha256:/);
    expect(run.provenance!.build).toBeTruthy();
    const board = EvalScoreboardSchema.parse((await s.get('evals/scoreboard?suite=code')).json());
    expect(board.rows).toHaveLength(1);
    expect(board.rows[0]).toMatchObject({ model: 'coder', hostId: 'h1', runId: run.id, greedy: true });
    const csv = (await s.get(`evals/runs/${run.id}?format=csv`)).body;
    expect(csv.split('\n')[0]).toContain('item_id');
    for (const i of items) expect(csv).toContain(`,${i.id},`);
  }, 120_000);

  it('n = 3 samples: the unbiased pass@k per item (SEEDED passes only at seed 2 of 1..3)', async () => {
    const res = await s.post('evals/runs', { suite: 'code', host: 'h1', model: 'coder', samples: 3, temperature: 0.8, limit: 7 });
    const run = await s.finished(res.json().runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const chunk = run.items.find((x) => x.itemId === SEEDED)!;
    expect(chunk.samples.map((x) => x.passed)).toEqual([false, true, false]);
    expect(chunk.score).toBeCloseTo(1 / 3);
    // first 7 items: slugify, parse-duration, merge, top-k, roman (wrong), balanced, chunk (1/3)
    expect(run.summary!.metric).toBe('pass@1 (n=3)');
    expect(run.summary!.score).toBeCloseTo((5 + 1 / 3) / 7, 10);
    expect((run.summary!.figures as Record<string, number>)['pass@1']).toBeCloseTo((5 + 1 / 3) / 7, 10);
  }, 120_000);

  it('bad input is refused with a typed error and stores nothing', async () => {
    const before = (await s.get('evals/runs')).json().runs.length;
    const unknown = await s.post('evals/runs', { suite: 'nope', host: 'h1', model: 'coder' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('EVAL_UNKNOWN_SUITE');
    const broken = await s.post('evals/runs', { suite: 'broken', host: 'h1', model: 'coder' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toMatchObject({ code: 'EVAL_SUITE_INVALID', details: { line: 2 } });
    expect(broken.json().error.message).toMatch(/broken\/items\.jsonl:2: /);
    const model = await s.post('evals/runs', { suite: 'code', host: 'h1', model: 'missing' });
    expect(model.json().error.code).toBe('NOT_FOUND');
    const bad = await s.post('evals/runs', { suite: 'code', host: 'h1', model: 'coder', samples: 0 });
    // the route validates the body against the contract first: VALIDATION naming the field
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: 'body.samples' }] } });
    const judge = await s.post('evals/runs', { suite: 'chat', host: 'h1', model: 'coder', judge: { host: 'h1', model: 'no-such-judge' } });
    expect(judge.json().error.code).toBe('EVAL_JUDGE_NOT_FOUND');
    expect((await s.get('evals/runs')).json().runs.length).toBe(before);
  });
});

describe.each(backends().slice(0, 1))('without bubblewrap on $name', (backend: Backend) => {
  it('code evals are refused with SANDBOX_UNAVAILABLE (never run unsandboxed)', async () => {
    const s = await startEvalStack(backend, { coder: { loadMs: 20, script } }, { bwrap: '/nonexistent/bwrap' });
    try {
      const res = await s.post('evals/runs', { suite: 'code', host: 'h1', model: 'coder' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('SANDBOX_UNAVAILABLE');
      expect((await s.get('evals/runs')).json().runs).toHaveLength(0);
      expect((await s.get('evals/sandbox')).json()).toMatchObject({ available: false });
    } finally {
      await s.close();
    }
  });
});
