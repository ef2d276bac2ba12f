import { describe, expect, it } from 'vitest';
import { BenchRunRequestSchema, ERROR_STATUS } from '@boocontrol/contracts';
import { prepareBench } from '../src/bench/spec';
import { createWorkload } from '../src/bench/workloads';
import { AppError } from '../src/lib/errors';

function codeOf(f: () => unknown): { code: string; message: string; details: unknown } {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('did not throw');
}

describe('bench spec validation', () => {
  it('fills llama-bench-like defaults', () => {
    const { spec, levels } = prepareBench({ model: 'qwen' });
    expect(levels).toEqual([1, 2, 4, 8, 16, 32]);
    expect(spec).toMatchObject({ repetitions: 3, maxErrorRate: 0.01, window: { warmupS: 5, measureS: 60, cooldownS: 2 }, workload: { kind: 'synthetic', ignoreEos: true } });
    expect(spec.slos).toEqual([{ metric: 'ttft', percentile: 99, maxMs: 2000 }, { metric: 'tpot', percentile: 50, maxMs: 100 }]);
    expect(BenchRunRequestSchema.parse({ host: 'desk', model: 'qwen' }).takeover).toBe(false);
  });

  it.each([
    ['zero concurrency', { driver: { kind: 'concurrency', levels: [0, 2] } }, 'driver.levels.0'],
    ['absurd concurrency', { driver: { kind: 'concurrency', levels: [1, 513] } }, 'driver.levels.1'],
    ['unordered levels', { driver: { kind: 'concurrency', levels: [4, 2] } }, 'driver.levels'],
    ['a zero rate', { driver: { kind: 'rate', rates: [0] } }, 'driver.rates.0'],
    ['absurd output length', { workload: { kind: 'synthetic', outputTokens: 1_000_000 } }, 'workload.outputTokens'],
    ['absurd input length', { workload: { kind: 'synthetic', inputTokens: 10_000_000 } }, 'workload.inputTokens'],
    ['a conversation longer than a context', { workload: { kind: 'shared-prefix', prefixTokens: 100_000, turns: 64, turnTokens: 1000 } }, 'workload.turns'],
    ['zero repetitions', { repetitions: 0 }, 'repetitions'],
    ['an unknown field', { bogus: 1 }, ''],
    ['an unknown SLO metric', { slos: [{ metric: 'vibes', percentile: 99, maxMs: 1 }] }, 'slos.0.metric'],
  ])('refuses %s with BENCH_INVALID_SPEC', (_name, patch, path) => {
    const e = codeOf(() => prepareBench({ model: 'qwen', ...patch }));
    expect(e.code).toBe('BENCH_INVALID_SPEC');
    expect(ERROR_STATUS.BENCH_INVALID_SPEC).toBe(400);
    if (path) expect(e.message).toContain(path);
  });

  it('refuses repetitions too short to measure', () => {
    expect(codeOf(() => prepareBench({ model: 'q', window: { measureS: 0.5 }, repetitions: 10 })).code).toBe('BENCH_INVALID_SPEC');
  });

  it('names the bad JSONL line before anything runs', () => {
    const jsonl = ['{"prompt":"hello"}', '', '{"messages":[{"role":"user","content":"hi"}],"max_tokens":5}', '{"prompt": 42}', 'not json'].join('\n');
    const e = codeOf(() => prepareBench({ model: 'q', workload: { kind: 'jsonl', jsonl } }));
    expect(e).toMatchObject({ code: 'BENCH_BAD_JSONL', details: { line: 4 } });
    expect(e.message).toMatch(/^JSONL line 4: /);
    const e2 = codeOf(() => prepareBench({ model: 'q', workload: { kind: 'jsonl', jsonl: '{"prompt":"a"}\n{"prompt":\n' } }));
    expect(e2).toMatchObject({ code: 'BENCH_BAD_JSONL', details: { line: 2 } });
    expect(codeOf(() => prepareBench({ model: 'q', workload: { kind: 'jsonl', jsonl: '\n\n' } })).code).toBe('BENCH_BAD_JSONL');
    const ok = prepareBench({ model: 'q', workload: { kind: 'jsonl', jsonl: jsonl.split('\n').slice(0, 3).join('\n') } });
    expect(ok.prompts).toHaveLength(2);
  });
});

describe('workloads', () => {
  it('synthetic prompts have the asked word count and never share a prefix', () => {
    const w = createWorkload({ kind: 'synthetic', inputTokens: 50, outputTokens: 8, cold: true, ignoreEos: true }, { seed: 1, runNonce: 42 });
    const a = w.next(0).messages[0]?.content ?? '';
    const b = w.next(0).messages[0]?.content ?? '';
    expect(a.split(' ')).toHaveLength(50);
    expect(a.split(' ').slice(0, 4)).not.toEqual(b.split(' ').slice(0, 4));
    expect(w.extra).toEqual({ ignore_eos: true, cache_prompt: false });
    // another run (nonce) starts differently even with the same seed
    const other = createWorkload({ kind: 'synthetic', inputTokens: 50, outputTokens: 8, cold: false, ignoreEos: false }, { seed: 1, runNonce: 43 });
    expect(other.next(0).messages[0]?.content.split(' ').slice(0, 4)).not.toEqual(a.split(' ').slice(0, 4));
    expect(other.extra).toEqual({});
  });
});
