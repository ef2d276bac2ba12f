import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimHost, type SimHost } from '@boocontrol/sim';
import { BenchSampleListSchema, ErrorBodySchema } from '@boocontrol/contracts';
import { EXIT, runCli } from '../src/cli/boo-cli';
import { backends } from './helpers/db';
import { startTestControl } from './helpers/control';
import { until } from './helpers/sim-events';

/**
 * `boo bench` against a running control and a simulated host with known speeds: it starts a
 * run, follows it to the end and prints the points; lists, shows (table and CSV) and cancels
 * runs; and maps the bench's typed errors (HOST_BUSY, VALIDATION, NOT_FOUND) to exit codes.
 * The samples route the web scatter reads is checked on the same run.
 */
describe('boo bench against a running control', () => {
  let sim: SimHost;
  let t: Awaited<ReturnType<typeof startTestControl>>;
  let url: string;
  let firstRun = '';

  beforeAll(async () => {
    // 40 prompt tokens at 20 000 tok/s and 16 output tokens at 400 tok/s: about 40 ms a request
    sim = await startSimHost({ config: { models: { quick: { loadMs: 30, promptTps: 20_000, genTps: 400 }, story: { loadMs: 30, promptTps: 20_000, genTps: 20 } } }, seed: 5, perfEveryMs: 1000 });
    t = await startTestControl(backends()[0]!, { LLAMA_PROVIDERS: JSON.stringify([{ id: 'h1', label: 'Host 1', baseUrl: sim.url, kind: 'llama-swap' }]) }, { bench: { settleMs: 50 } });
    url = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
    await until(() => (t.control.ctx.fleet.get('h1')?.models.length ?? 0) > 0, 'the fleet');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  async function boo(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { BOO_URL: url }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const quick = ['--concurrency', '1,2', '--input', '40', '--output', '16', '--warmup', '0.2', '--measure', '1', '--cooldown', '0', '--reps', '1'];

  it('bench --wait runs a sweep and prints one row per point with the SLO verdict and capacity', async () => {
    const r = await boo('bench', 'h1', 'quick', ...quick, '--wait', '--timeout', '60');
    expect(r.code, r.err).toBe(EXIT.OK);
    firstRun = /bench run ([0-9a-f-]{36}) started/.exec(r.err)?.[1] ?? '';
    expect(firstRun).not.toBe('');
    expect(r.err).toMatch(/point 1\/2 \(1\): TTFT p50 [\d.]+ ms, [\d.]+ tok\/s/);
    expect(r.err).toMatch(/point 2\/2 \(2\)/);
    const lines = r.out.split('\n');
    expect(lines[0]).toContain('quick on h1, succeeded');
    expect(lines[1]).toBe('concurrency 1,2, 40 in / 16 out tokens, 1 s measured x 1 reps per point');
    expect(lines[2]).toMatch(/^USERS\s+OK\/ERR\/SHED\s+TTFT p50\s+TTFT p99\s+TPOT p50\s+OUT tok\/s\s+SLO\s+FLAGS$/);
    // the sim's known speeds are far inside the default SLOs (p99 TTFT <= 2000 ms, p50 TPOT <= 100 ms)
    // flags such as coalesced (the sim's fast chunks share reads) may show; contamination must not
    expect(lines[3]).toMatch(/^1\s+\d+\/0\/0\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+\s+met\s+\S+$/);
    expect(lines[4]).toMatch(/^2\s+\d+\/0\/0\s+.*\s+met\s+\S+$/);
    expect(r.out).not.toMatch(/contaminated|foreign/);
    // TPOT at 400 tok/s is 2.5 ms a token; a loaded test machine may add a little
    const tpot = Number(/ms\s+[\d.]+ ms\s+([\d.]+) ms/.exec(lines[3]!)?.[1]);
    expect(tpot).toBeGreaterThan(2);
    expect(tpot).toBeLessThan(6);
    expect(r.out).toContain('SLOs: p99 ttft <= 2000 ms, p50 tpot <= 100 ms');
    expect(r.out).toContain('capacity: 2 meets the SLOs');
    // a second sweep right after the first is not refused for the first one's own requests
    const again = await boo('bench', 'h1', 'quick', ...quick, '--wait', '--timeout', '60');
    expect(again.err).not.toContain('HOST_BUSY');
    expect(again.code, again.err).toBe(EXIT.OK);
  });

  it('bench list and show read the run back, show --csv exports it, the samples route has its requests', async () => {
    const list = await boo('bench', 'list', '--host', 'h1');
    expect(list.code).toBe(EXIT.OK);
    expect(list.out).toMatch(/^ID\s+CREATED\s+HOST\s+MODEL\s+STATUS\s+POINTS\s+CAPACITY\s+PEAK tok\/s/);
    expect(list.out).toMatch(new RegExp(`${firstRun}\\s+\\S+ \\S+\\s+h1\\s+quick\\s+succeeded\\s+2\\s+2\\s+\\d+`));
    expect((await boo('bench', 'list', '--model', 'nothing')).out.split('\n')).toHaveLength(1);

    const show = await boo('bench', 'show', firstRun);
    expect(show.code).toBe(EXIT.OK);
    expect(show.out).toMatch(/^2\s+\d+\/0\/0/m);
    const csv = await boo('bench', 'show', firstRun, '--csv');
    const rows = csv.out.split('\n');
    expect(rows[0]).toMatch(/^run,host,model,point,level,/);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(new RegExp(`^${firstRun},h1,quick,0,1,concurrency,`));
    expect(JSON.parse((await boo('bench', 'show', firstRun, '--json')).out).points).toHaveLength(2);

    const res = await fetch(`${url}/api/control/bench/runs/${firstRun}/points/1/samples`);
    expect(res.status).toBe(200);
    const s = BenchSampleListSchema.parse(await res.json());
    expect(s).toMatchObject({ runId: firstRun, index: 1, level: 2 });
    const measured = s.samples.filter((x) => x.rep !== null);
    expect(measured.length).toBeGreaterThan(0);
    for (const x of measured) {
      expect(x.status).toBe(200);
      // token counts are the server's (usage); the sim ignores ignore_eos and may stop early
      expect(x.outputTokens).toBe((x.usage as { completion_tokens: number }).completion_tokens);
      expect(x.outputTokens!).toBeLessThanOrEqual(16);
      expect(x.tFirstContent!).toBeGreaterThan(x.tSent);
    }
    const point = JSON.parse((await boo('bench', 'show', firstRun, '--json')).out).points[1];
    // a short output is reported as the server ignoring ignore_eos, never hidden
    expect(point.flags.ignoreEosIgnored).toBe(measured.some((x) => x.outputTokens! < 16));
    // the route is in the generated OpenAPI document with the rest of the bench API
    const doc = (await (await fetch(`${url}/api/control/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const [path, method] of [['/api/control/bench/runs', 'post'], ['/api/control/bench/runs', 'get'], ['/api/control/bench/runs/{id}', 'get'], ['/api/control/bench/runs/{id}/cancel', 'post'], ['/api/control/bench/compare', 'get']] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/control/bench/runs/{id}/points/{idx}/samples']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404']));
    const missing = await fetch(`${url}/api/control/bench/runs/${firstRun}/points/7/samples`);
    expect(missing.status).toBe(404);
    expect(ErrorBodySchema.parse(await missing.json()).error.code).toBe('NOT_FOUND');
  });

  it('typed errors map to exit codes before anything runs', async () => {
    const unknownModel = await boo('bench', 'h1', 'nothing-like-this', '--takeover');
    expect(unknownModel.code).toBe(EXIT.NOT_FOUND);
    expect(unknownModel.err).toContain('has no model nothing-like-this');
    expect((await boo('bench', 'nohost', 'quick', '--takeover')).code).toBe(EXIT.NOT_FOUND);
    const zero = await boo('bench', 'h1', 'quick', '--concurrency', '0', '--takeover');
    expect(zero.code).toBe(EXIT.USAGE);
    expect(zero.err).toMatch(/levels/);
    expect((await boo('bench', 'h1', 'quick', '--concurrency', '4,2', '--takeover')).code).toBe(EXIT.USAGE);
    expect((await boo('bench', 'h1', 'quick', '--concurrency', 'two')).code).toBe(EXIT.USAGE);
    expect((await boo('bench', 'h1')).code).toBe(EXIT.USAGE);
    expect((await boo('bench', 'show')).code).toBe(EXIT.USAGE);
    expect((await boo('bench', 'show', 'no-such-run')).code).toBe(EXIT.NOT_FOUND);
    const list = await boo('bench', 'list', '--host', 'h1');
    expect(list.out.split('\n')).toHaveLength(3); // the two sweeps; nothing was stored for the refused requests
  });

  it('refuses with HOST_BUSY while other traffic is in flight, starts with --takeover, and cancel keeps the run', async () => {
    const ac = new AbortController();
    const story = fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'story', stream: true, max_tokens: 2000, messages: [{ role: 'user', content: 'a long story' }] }),
      signal: ac.signal,
    })
      .then((r) => r.text())
      .catch(() => 'aborted');
    try {
      await until(() => (t.control.ctx.fleet.get('h1')?.inflight.length ?? 0) > 0, 'the story to be in flight');
      const busy = await boo('bench', 'h1', 'quick', ...quick);
      expect(busy.code).toBe(EXIT.FAILED);
      expect(busy.err).toMatch(/host h1 is serving other traffic \(1 request\(s\) in flight\)/);
      expect(busy.err).toContain('--takeover');

      const started = await boo('bench', 'h1', 'quick', '--concurrency', '1,2,4', '--measure', '30', '--reps', '1', '--takeover');
      expect(started.code).toBe(EXIT.OK);
      const runId = /bench run ([0-9a-f-]{36}) queued \(job [0-9a-f-]{36}\)/.exec(started.out)?.[1];
      expect(runId).toBeDefined();
      await until(async () => (await boo('bench', 'show', runId!)).out.includes(', running'), 'the run to start');
      const cancelled = await boo('bench', 'cancel', runId!);
      expect(cancelled.code).toBe(EXIT.OK);
      await until(async () => (await boo('bench', 'show', runId!, '--json')).out.includes('"status": "cancelled"'), 'the run to be cancelled');
      const shown = await boo('bench', 'show', runId!);
      expect(shown.code).toBe(EXIT.FAILED);
      expect(shown.out).toContain('quick on h1, cancelled');
    } finally {
      ac.abort();
      await story;
    }
  });
});
