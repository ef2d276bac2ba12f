// A full utility eval against the scripted simulator: schema-valid rate, exact function/argument
// match and latency percentiles equal what the scripted answers make them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UtilityItem } from '../src/evals/suites/schema';
import { extractJson, validateJson } from '../src/evals/json-schema';
import { backends, type Backend } from './helpers/db';
import { startEvalStack, suiteItems, type EvalStack, type Script } from './helpers/evals';

const items = suiteItems<UtilityItem>('utility');
const JSON_ANSWERS: Record<string, unknown> = {
  'json/host-status': { host: 'rtx5090', online: true, gpus: 1 },
  'json/model-list': { models: [{ id: 'qwen-32b', params_b: 32 }, { id: 'gemma-27b', params_b: 27 }] },
  'json/severity': { severity: 'error', component: 'cuda' },
  'json/extract-dates': { dates: ['2026-03-01', '2026-03-04'] },
  'json/sentiment': { score: 1.5, label: 'mixed' }, // out of range: schema-invalid
  'json/ttl-config': { name: 'coder', ttl: 600, aliases: ['c'] },
};
const TEXT: Record<string, string> = {
  'title/oom': 'Out of memory on dual-3090 at 32 requests',
  'title/upgrade': 'llama-server upgraded to b5000 across the fleet',
  'title/chat': 'A very long title that says nothing about the question at all', // too long, no "quant"
  'summary/bench': 'Decode speed falls from 48 to 21 tok/s as concurrency rises to 16; TTFT p99 grows to 2.4 s.',
  'summary/incident': 'p104 lost power at 03:10, returned at 03:25, and both embedding models reloaded cleanly.',
  'summary/eval': 'qwen-32b scored 71% and gemma-27b 64% on code, but the intervals overlap, so the gap is not proven.',
};
const script: Script = (req) => {
  const item = items.find((i) => req.lastUser === i.prompt);
  if (!item) return undefined;
  if (item.task === 'json') return '```json\n' + JSON.stringify(JSON_ANSWERS[item.id]) + '\n```';
  if (item.task === 'tool') {
    const args = item.id === 'tool/bench' ? { ...item.expected!.arguments, concurrency: [1, 4] } : item.expected!.arguments;
    return JSON.stringify({ name: item.expected!.name, arguments: args });
  }
  return TEXT[item.id];
};

describe('JSON schema subset', () => {
  it('validates the keywords utility suites use and names the path', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 0 }, b: { type: 'array', items: { enum: ['x', 'y'] } } }, required: ['a'], additionalProperties: false };
    expect(validateJson({ a: 1, b: ['x'] }, schema)).toEqual([]);
    expect(validateJson({ a: -1, b: ['z'], c: 1 }, schema)).toEqual(['$.a: below 0', '$.b[0]: not one of ["x","y"]', '$: unexpected property c']);
    expect(validateJson({}, schema)).toEqual(['$: missing a']);
    expect(extractJson('sure: {"a": 1} done')).toEqual({ ok: true, value: { a: 1 } });
  });
});

describe.each(backends())('utility eval end to end on $name', (backend: Backend) => {
  let s: EvalStack;
  beforeAll(async () => {
    s = await startEvalStack(backend, { tools: { loadMs: 20, genTps: 20000, promptTps: 100000, script } });
  }, 60_000);
  afterAll(() => s?.close());

  it('scores equal the known right answers', async () => {
    const res = await s.post('evals/runs', { suite: 'utility', host: 'h1', model: 'tools' });
    expect(res.statusCode, res.body).toBe(202);
    const run = await s.finished(res.json().runId);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    // 18 items; wrong: json/sentiment (schema), tool/bench (arguments), title/chat (length, content)
    expect(run.summary!.n).toBe(18);
    expect(run.summary!.score).toBeCloseTo(15 / 18, 10);
    const f = run.summary!.figures as Record<string, number>;
    expect(f.latencyP50Ms).toBeGreaterThan(0);
    expect(f.schemaValidRate).toBeCloseTo(11 / 12, 10);
    expect(f.exactMatchRate).toBeCloseTo(5 / 6, 10);
    expect(f.functionMatchRate).toBe(1);
    expect(f.latencyP95Ms).toBeGreaterThan(0);
    expect(f.latencyP95Ms).toBeGreaterThanOrEqual(f.latencyP50Ms!);
    const bench = run.items.find((x) => x.itemId === 'tool/bench')!;
    expect(bench).toMatchObject({ passed: false, verdict: 'valid' });
    expect(run.items.find((x) => x.itemId === 'json/sentiment')!.samples[0]!.output).toContain('$.score: above 1');
    expect(run.items.find((x) => x.itemId === 'title/chat')!.samples[0]!.output).toContain('missing "quant"');
  }, 60_000);
});
