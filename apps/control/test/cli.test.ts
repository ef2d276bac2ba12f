import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimHost, type SimHost } from '@boocontrol/sim';
import { EXIT, runCli } from '../src/cli/boo-cli';
import { backends } from './helpers/db';
import { startTestControl } from './helpers/control';
import { until } from './helpers/sim-events';

describe.each(backends())('boo CLI against a running control on $name', (backend) => {
  let sims: SimHost[] = [];
  let t: Awaited<ReturnType<typeof startTestControl>>;
  let url: string;

  beforeAll(async () => {
    sims = await Promise.all([
      startSimHost({ config: { models: { alpha: { loadMs: 200 }, shared: { loadMs: 50 }, slow: { loadMs: 5000 }, broken: { loadMs: 50, failLoad: true } } }, seed: 1, perfEveryMs: 1000 }),
      startSimHost({ config: { models: { shared: { loadMs: 50 } } }, seed: 2, perfEveryMs: 1000 }),
    ]);
    const providers = sims.map((s, i) => ({ id: `h${i + 1}`, label: `Host ${i + 1}`, baseUrl: s.url, kind: 'llama-swap' }));
    t = await startTestControl(backend, { LLAMA_PROVIDERS: JSON.stringify(providers) });
    url = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
    await until(() => providers.every((p) => (t.control.ctx.fleet.get(p.id)?.models.length ?? 0) > 0), 'the fleet');
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  async function boo(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { BOO_URL: url }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('switch returns 0 when ready and prints the load time; status shows it loaded', async () => {
    const r = await boo('switch', 'alpha', '--host', 'h1');
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toMatch(/^alpha on h1: ready in .* load /);
    expect(sims[0]!.models().find((m) => m.id === 'alpha')?.state).toBe('ready');
    await until(() => t.control.ctx.fleet.get('h1')?.models.find((m) => m.id === 'alpha')?.state === 'ready', 'the fleet to see alpha');
    const s = await boo('status');
    expect(s.code).toBe(EXIT.OK);
    expect(s.out).toMatch(/^HOST\s+STATUS\s+LOADED/);
    expect(s.out).toMatch(/h1\s+online\s+alpha/);
    const json = await boo('status', '--json');
    expect(JSON.parse(json.out).hosts).toHaveLength(2);
    const models = await boo('models');
    expect(models.code).toBe(EXIT.OK);
    expect(models.out).toContain('alpha');
  });

  it('exit codes: 4 ambiguous/not found, 3 timeout with the job id, 1 failed, 2 usage, 5 unreachable', async () => {
    const amb = await boo('switch', 'shared');
    expect(amb.code).toBe(EXIT.NOT_FOUND);
    expect(amb.err).toContain('--host h1');
    expect(amb.err).toContain('--host h2');
    expect((await boo('warm', 'nothing-like-this')).code).toBe(EXIT.NOT_FOUND);
    const slow = await boo('switch', 'slow', '--host', 'h1', '--timeout', '0.3');
    expect(slow.code).toBe(EXIT.TIMEOUT);
    expect(slow.err).toMatch(/job [0-9a-f-]{36}/);
    const broken = await boo('warm', 'broken', '--host', 'h1');
    expect(broken.code).toBe(EXIT.FAILED);
    expect(broken.err).toContain('broken');
    expect((await boo()).code).toBe(EXIT.USAGE);
    expect((await boo('switch')).code).toBe(EXIT.USAGE);
    expect((await boo('frobnicate')).code).toBe(EXIT.USAGE);
    expect((await boo('switch', 'a;b', '--host', 'h1')).code).toBe(EXIT.USAGE);
    expect((await boo('switch', 'alpha', '--timeout', 'soon')).code).toBe(EXIT.USAGE);
    const down = await runCli(['status'], { BOO_URL: 'http://127.0.0.1:1' }, { out: () => undefined, err: () => undefined });
    expect(down).toBe(EXIT.UNREACHABLE);
  });

  it('unload and --no-wait', async () => {
    const q = await boo('warm', 'shared', '--host', 'h2', '--no-wait');
    expect(q.code).toBe(EXIT.OK);
    expect(q.out).toMatch(/^queued: job /);
    const u = await boo('unload', 'h2');
    expect(u.code).toBe(EXIT.OK);
    expect(u.out).toMatch(/unloaded every model on h2/);
    expect(sims[1]!.models().every((m) => m.state === 'stopped')).toBe(true);
  });

  it('report usage (table and csv), report residency, report compare and alerts', async () => {
    // switch (first test) stored a load and the fleet stores rows as they come: roll them up now.
    await until(async () => ((await t.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM control_model_transitions')).rows[0]?.n ?? 0) > 0, 'stored transitions');
    const rollups = t.control.reports!.rollups;
    rollups.markRange(new Date(Date.now() - 3_600_000), new Date(Date.now() + 3_600_000));
    await rollups.runOnce();
    const table = await boo('report', 'usage', '--range', '24h');
    expect(table.code, table.err).toBe(EXIT.OK);
    expect(table.out).toMatch(/HOST\s+REQS\s+ERRS/);
    expect(table.out).toMatch(/\nh1\s+\d+\s+\d+\s+\d+\s+\d+\s+\S+\s+\S+\s+[1-9]/); // h1 had at least one swap
    const csv = await boo('report', 'usage', '--range', '7d', '--format', 'csv', '--group', 'model');
    expect(csv.code).toBe(EXIT.OK);
    expect(csv.out.split('\n')[0]).toMatch(/^model,requests,errors,/);
    expect(csv.out).toMatch(/\r?\ntotal,/);
    const res = await boo('report', 'residency', '--host', 'h1');
    expect(res.code).toBe(EXIT.OK);
    expect(res.out).toMatch(/h1\s+\S+\s+alpha\s+queue/);
    expect((await boo('report', 'compare')).out).toContain('no bench runs');
    expect((await boo('report', 'planets')).code).toBe(EXIT.USAGE);
    expect((await boo('report', 'usage', '--range', 'forever')).code).toBe(EXIT.USAGE);
    const alerts = await boo('alerts');
    expect(alerts.code).toBe(EXIT.OK);
    expect(alerts.out).toBe('no alerts firing');
  });
});
