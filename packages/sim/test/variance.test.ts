// Seeded per-request variance (issue 17): jittered and occasionally slow requests, deterministic
// under a seed, exact without it; prompt-cache reuse from the load generator's conversations.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, getJson, host } from './helpers';
import { DEMO_VARIANCE, createLoadGenerator, demoFleetConfigs } from '../src/index';
import type { SimConfig, SimHost, SimHostOptions } from '../src/index';

afterEach(closeAll);

const GEN_TPS = 2000;
const PROMPT_TPS = 100_000;
const varied: SimConfig = { models: { m: { loadMs: 5, genTps: GEN_TPS, promptTps: PROMPT_TPS, variance: { speedJitter: 0.3, slowChance: 0.2, slowFactor: 4 } } } };

interface Timings {
  cache_n: number;
  prompt_n: number;
  prompt_ms: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_second: number;
  prompt_per_second: number;
}

/** `n` sequential non-streamed requests with distinct prompts; their timings, in order. */
async function timings(h: SimHost, n: number, model = 'm'): Promise<Timings[]> {
  const out: Timings[] = [];
  for (let i = 0; i < n; i++) {
    const body = { model, messages: [{ role: 'user', content: `question ${i} about ${'x '.repeat(i % 5)}` }], max_tokens: 8 };
    out.push((await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) })).body.timings as Timings);
  }
  return out;
}

const started = (opts: Omit<SimHostOptions, 'config'> = {}, cfg = varied): Promise<SimHost> => host(cfg, { seed: 11, ...opts });

describe('seeded variance', () => {
  it('speeds differ per request, reproducibly for a seed; another seed gives other speeds', async () => {
    const a = (await timings(await started(), 24)).map((t) => t.predicted_per_second);
    const b = (await timings(await started(), 24)).map((t) => t.predicted_per_second);
    const c = (await timings(await started({ seed: 12 }), 24)).map((t) => t.predicted_per_second);
    expect(new Set(a).size).toBeGreaterThan(20);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // ±30 % jitter; a slow request is 4× slower on top
    for (const tps of a) {
      expect(tps).toBeGreaterThan((GEN_TPS * 0.7) / 4 - 1);
      expect(tps).toBeLessThan(GEN_TPS * 1.3 + 1);
    }
    const slow = a.filter((tps) => tps < GEN_TPS * 0.7 - 1);
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.length).toBeLessThan(a.length / 2);
  });

  it('p50 and p95 of the activity stats differ; the rows carry the varied speeds', async () => {
    const h = await started();
    const t = await timings(h, 30);
    const stats = (await getJson(`${h.url}/api/metrics/stats`)).body;
    expect(stats.gen_histogram.p50).not.toBe(stats.gen_histogram.p95);
    expect(stats.prompt_histogram.p50).not.toBe(stats.prompt_histogram.p95);
    const rows = (await getJson(`${h.url}/api/metrics/activity?order=asc&limit=100`)).body.data as Array<{ tokens: { tokens_per_second: number } }>;
    expect(rows.map((r) => r.tokens.tokens_per_second)).toEqual(t.map((x) => x.predicted_per_second));
  });

  it('a slow request takes longer on the wire too, not only in its timings', async () => {
    const cfg: SimConfig = { models: { m: { loadMs: 5, genTps: 400, promptTps: PROMPT_TPS, variance: { slowChance: 0.5, slowFactor: 6 } } } };
    const h = await started({}, cfg);
    await timings(h, 1); // load the model
    const seen: Array<{ ms: number; predicted: number }> = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const body = { model: 'm', messages: [{ role: 'user', content: `wire ${i}` }], max_tokens: 10 };
      const r = (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) })).body.timings as Timings;
      seen.push({ ms: performance.now() - t0, predicted: r.predicted_ms + r.prompt_ms });
    }
    const nominal = (10 / 400) * 1000;
    expect(seen.some((s) => s.predicted > nominal * 3)).toBe(true);
    expect(seen.some((s) => s.predicted < nominal * 1.5)).toBe(true);
    // the response is due when its timings say: never earlier, and late only by scheduling noise
    for (const s of seen) {
      expect(s.ms).toBeGreaterThanOrEqual(s.predicted - 2);
      expect(s.ms).toBeLessThan(s.predicted + 250);
    }
  });

  it('a repeated prefix is served from the prompt cache with variance on', async () => {
    const h = await started();
    const system = 'you are a terse assistant who answers in few words only';
    const ask = async (q: string): Promise<Timings> =>
      (await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'system', content: system }, { role: 'user', content: q }], max_tokens: 4 }) })).body.timings as Timings;
    expect((await ask('first question')).cache_n).toBe(0);
    const second = await ask('another one entirely');
    expect(second.cache_n).toBe(system.split(' ').length);
    expect(second.prompt_n).toBe(3);
  });

  it('two alternating system prompts stay cached in different slots (idle slot by similarity, else least recently used)', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: GEN_TPS, promptTps: PROMPT_TPS } } });
    const sys = ['alpha beta gamma delta epsilon zeta eta theta', 'one two three four five six seven eight'];
    const cacheN: number[] = [];
    for (let i = 0; i < 6; i++) {
      const body = { model: 'm', messages: [{ role: 'system', content: sys[i % 2] }, { role: 'user', content: `q${i}` }], max_tokens: 2 };
      cacheN.push(((await getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) })).body.timings as Timings).cache_n);
    }
    expect(cacheN).toEqual([0, 0, 8, 8, 8, 8]);
  });

  it('without variance (the default) every number is exact', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: GEN_TPS, promptTps: PROMPT_TPS } } });
    const t = await timings(h, 6);
    for (const x of t) {
      expect(x.predicted_per_second).toBe(GEN_TPS);
      expect(x.predicted_ms).toBe((x.predicted_n / GEN_TPS) * 1000);
      expect(x.prompt_ms).toBe(Math.round((x.prompt_n / PROMPT_TPS) * 1e6) / 1000);
    }
  });

  it('a host-level variance applies to models without their own; synthetic rows vary the same way', async () => {
    const h = await host({ models: { m: { loadMs: 5, genTps: GEN_TPS, promptTps: PROMPT_TPS }, exact: { loadMs: 5, genTps: GEN_TPS, variance: { speedJitter: 0 } } }, groups: { g: { swap: false, members: ['m', 'exact'] } } }, { variance: { speedJitter: 0.2 } });
    expect(new Set((await timings(h, 8)).map((t) => t.predicted_per_second)).size).toBeGreaterThan(6);
    expect(new Set((await timings(h, 4, 'exact')).map((t) => t.predicted_per_second))).toEqual(new Set([GEN_TPS]));
    for (let i = 0; i < 10; i++) h.synthesize({ model: 'm', outputTokens: 20 });
    const rows = (await getJson(`${h.url}/api/metrics/activity?limit=10`)).body.data as Array<{ tokens: { tokens_per_second: number } }>;
    expect(new Set(rows.map((r) => r.tokens.tokens_per_second)).size).toBeGreaterThan(8);
  });

  it('rejects a variance outside its range with a typed config error', async () => {
    const { startSimHost, SimConfigError } = await import('../src/index');
    await expect(startSimHost({ config: { models: { m: { variance: { speedJitter: 2 } } } } })).rejects.toBeInstanceOf(SimConfigError);
    await expect(startSimHost({ config: { models: { m: { variance: { slowFactor: 0.5 } } } } })).rejects.toBeInstanceOf(SimConfigError);
  });
});

describe('client-like load', () => {
  it('shared system prompts and follow-up turns make cache_tokens > 0 in the activity rows', async () => {
    const h = await host({ models: { c: { loadMs: 5, genTps: 3000, promptTps: 1e5, contextLength: 32768 } } });
    const gen = createLoadGenerator({
      targets: [{ url: h.url, models: ['c'] }],
      rate: 60,
      concurrency: 2,
      promptTokens: [5, 20],
      maxTokens: [4, 12],
      seed: 4,
      stream: true,
      conversations: { systemPrompts: 2, systemTokens: [30, 60], followUp: 0.6, maxTurns: 3 },
    });
    gen.start();
    const end = Date.now() + 15_000;
    while (gen.stats().completed < 24 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await gen.stop();
    const rows = (await getJson(`${h.url}/api/metrics/activity?limit=100`)).body.data as Array<{ resp_status_code: number; tokens: { cache_tokens: number; input_tokens: number } }>;
    const ok = rows.filter((r) => r.resp_status_code === 200);
    expect(ok.length).toBeGreaterThanOrEqual(24);
    const cached = ok.filter((r) => r.tokens.cache_tokens > 0);
    // every request after the first few starts with a system prompt a slot already holds
    expect(cached.length).toBeGreaterThan(ok.length / 2);
    // follow-ups resend the history (system + turns + replies): more cached than any system prompt
    expect(ok.some((r) => r.tokens.cache_tokens > 60)).toBe(true);
  });

  it('the demo fleet varies its speeds', () => {
    for (const h of demoFleetConfigs()) expect(h.variance).toEqual(DEMO_VARIANCE);
    expect(DEMO_VARIANCE.speedJitter).toBeGreaterThan(0);
  });
});
