import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import type { SimHost } from '@boocontrol/sim';
import type { Control } from '../src/control';
import { backends, type TestDb } from './helpers/db';
import { chat, chatMany, services, startFleetControl, startSim, status, storedRows, waitFor } from './helpers/fleet';

const [pglite] = backends();

/**
 * `/metrics` on two simulated hosts with real traffic: the text parses with a Prometheus text
 * parser, and its values are the fleet's (stored rows, live GPU samples, host states).
 */
describe('Prometheus /metrics', () => {
  let testDb: TestDb;
  let a: SimHost;
  let b: SimHost;
  let control: Control;
  let lastText = '';
  const scrape = async (url = '/metrics') => {
    const r = await control.app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    lastText = r.body;
    return parsePrometheusTextFormat(r.body);
  };
  /**
   * One sample line by exact name and labels. The parser folds the series of a labelled
   * histogram into one, so histogram samples are read from the text (every line is checked
   * against the exposition grammar first).
   */
  const sample = (name: string, labels: Record<string, string>) => {
    for (const line of lastText.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not an exposition line: ${line}`);
      if (m[1] !== name) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
    }
    return undefined;
  };
  const family = (fams: PromFamily[], name: string) => {
    const f = fams.find((x) => x.name === name);
    if (!f) throw new Error(`no family ${name}`);
    return f;
  };
  const value = (fams: PromFamily[], name: string, labels: Record<string, string>) => {
    const m = family(fams, name).metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
    return m?.value === undefined ? undefined : Number(m.value);
  };

  beforeAll(async () => {
    testDb = await pglite!.create({ schema: false });
    a = await startSim({ name: 'a', gpus: { count: 2, totalMb: 24576 } });
    b = await startSim({ name: 'b', seed: 7 });
    control = await startFleetControl(
      testDb.db,
      [
        { id: 'ha', label: 'Host A', baseUrl: a.url, kind: 'llama-swap' },
        { id: 'hb', label: 'Host B', baseUrl: b.url, kind: 'llama-swap' },
      ],
      undefined,
      {},
      ['health', 'metrics', 'fleet'],
    );
    await waitFor('both online', () => status(control, 'ha') === 'online' && status(control, 'hb') === 'online');
    await chatMany(a, 5, 2, 'quick');
    b.faults.errorBurst(2, 503, 'overload');
    expect(await chat(b, 'other')).toBe(503);
    expect(await chat(b, 'other')).toBe(503);
    expect(await chat(b, 'other')).toBe(200);
    await waitFor('8 rows', async () => (await storedRows(testDb.db, 'ha')).length + (await storedRows(testDb.db, 'hb')).length === 8);
    await waitFor('GPU samples live', () => (control.ctx.fleet.get('ha')?.perf?.gpus.length ?? 0) === 2);
  }, 60_000);

  afterAll(async () => {
    await control?.close();
    await a?.close();
    await b?.close();
    await testDb?.cleanup();
  });

  it('counts stored requests and tokens per host, model and outcome', async () => {
    const fams = await scrape();
    expect(value(fams, 'boo_requests_total', { host: 'ha', model: 'quick', outcome: 'ok' })).toBe(5);
    expect(value(fams, 'boo_requests_total', { host: 'hb', model: 'other', outcome: 'error' })).toBe(2);
    expect(value(fams, 'boo_requests_total', { host: 'hb', model: 'other', outcome: 'ok' })).toBe(1);
    const stored = await testDb.db.query<{ host_id: string; i: number; o: number }>(
      'SELECT host_id, sum(input_tokens)::int AS i, sum(output_tokens)::int AS o FROM control_activity GROUP BY host_id',
    );
    const ha = stored.rows.find((r) => r.host_id === 'ha')!;
    expect(value(fams, 'boo_tokens_total', { host: 'ha', model: 'quick', kind: 'prompt' })).toBe(ha.i);
    expect(value(fams, 'boo_tokens_total', { host: 'ha', model: 'quick', kind: 'generated' })).toBe(ha.o);
    const ttft = family(fams, 'boo_ttft_seconds');
    expect(ttft.type).toBe('HISTOGRAM');
    expect(sample('boo_ttft_seconds_count', { host: 'ha', model: 'quick' })).toBe(5);
    expect(sample('boo_ttft_seconds_bucket', { host: 'ha', model: 'quick', le: '+Inf' })).toBe(5);
    expect(sample('boo_generation_tokens_per_second_count', { host: 'ha', model: 'quick' })).toBe(5);
  });

  it('reports swaps, load times and model states', async () => {
    const fams = await scrape();
    expect(value(fams, 'boo_model_swaps_total', { host: 'ha', model: 'quick' })).toBe(1);
    expect(family(fams, 'boo_model_load_seconds').type).toBe('HISTOGRAM');
    expect(sample('boo_model_load_seconds_count', { host: 'ha', model: 'quick' })).toBe(1);
    expect(value(fams, 'boo_model_state', { host: 'ha', model: 'quick', state: 'ready' })).toBe(1);
    expect(value(fams, 'boo_model_state', { host: 'ha', model: 'other', state: 'stopped' })).toBe(1);
  });

  it('mirrors the live host and GPU state', async () => {
    const fams = await scrape();
    const host = control.ctx.fleet.get('ha')!;
    expect(value(fams, 'boo_host_up', { host: 'ha' })).toBe(1);
    expect(value(fams, 'boo_host_status', { host: 'hb', status: 'online' })).toBe(1);
    expect(value(fams, 'boo_host_status', { host: 'hb', status: 'offline' })).toBe(0);
    // The same sample the fleet holds (a new one may land between scrape and read: compare to both).
    for (const g of host.perf!.gpus) {
      const vram = value(fams, 'boo_gpu_memory_used_bytes', { host: 'ha', gpu: String(g.id) });
      expect(vram).toBeGreaterThan(0);
      expect(value(fams, 'boo_gpu_memory_total_bytes', { host: 'ha', gpu: String(g.id) })).toBe(24576 * 1024 * 1024);
      expect(value(fams, 'boo_gpu_temperature_celsius', { host: 'ha', gpu: String(g.id) })).toBeGreaterThan(0);
    }
    expect(value(fams, 'boo_inflight_requests', { host: 'ha' })).toBe(0);
    expect(value(fams, 'boo_writer_dropped_rows_total', { kind: 'activity' })).toBe(0);
    expect(family(fams, 'boo_writer_queued_rows').metrics).toHaveLength(1);
  });

  it('turns a host that stops answering into boo_host_up 0, and drops a removed host', async () => {
    a.faults.freeze();
    await waitFor('ha offline', () => status(control, 'ha') === 'offline');
    expect(value(await scrape('/api/control/metrics'), 'boo_host_up', { host: 'ha' })).toBe(0);
    a.faults.unfreeze();
    await waitFor('ha online', () => status(control, 'ha') === 'online');
    // A removed host (one added at run time: configured hosts are removed in the config).
    await services(control).registry.addRuntimeHost({ id: 'hc', label: 'Host C', baseUrl: b.url, kind: 'llama-swap' });
    await waitFor('hc online', () => status(control, 'hc') === 'online');
    expect(await chat(b, 'other')).toBe(200);
    await waitFor('hc counted', async () => sample('boo_requests_total', { host: 'hc', model: 'other', outcome: 'ok' }) === undefined ? (await scrape(), false) : true);
    await services(control).registry.remove('hc');
    const fams = await scrape();
    expect(family(fams, 'boo_requests_total').metrics.some((m) => m.labels?.host === 'hc')).toBe(false);
    expect(family(fams, 'boo_host_up').metrics.some((m) => m.labels?.host === 'hc')).toBe(false);
    expect(value(fams, 'boo_host_up', { host: 'ha' })).toBe(1);
  });
});
