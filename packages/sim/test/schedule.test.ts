// Fixed, known schedules (issue 11 item 6): the first-token delay and chunk gaps per request, paced
// on the shared pacer, and the schedule log a benchmark compares its measurements against.
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, getJson, host, waitFor } from './helpers';
import { SimConfigError, startSimHost } from '../src/index';
import type { SimConfig, SimHost, SimSchedule } from '../src/index';

afterEach(closeAll);

interface Measured {
  /** ms from sending the request to each content chunk */
  chunks: number[];
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function measure(h: SimHost, model: string, extra: Record<string, unknown> = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const out: Measured = { chunks: [], headers: {}, text: '' };
    const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'time me' }], ...extra });
    const req = request(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      out.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const at = performance.now() - sent;
        out.text += d;
        for (let i = d.indexOf('"delta":{"content"'); i >= 0; i = d.indexOf('"delta":{"content"', i + 1)) out.chunks.push(at);
      });
      res.on('end', () => resolve(out));
    });
    req.on('error', reject);
    const sent = performance.now();
    req.end(body);
  });
}

const post = (h: SimHost, model: string, extra: Record<string, unknown> = {}) =>
  getJson(`${h.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'time me' }], ...extra }) });

const withSchedule = (schedule: SimSchedule, loadMs = 5): SimConfig => ({ models: { s: { loadMs, schedule }, free: { loadMs: 5, genTps: 4000 } }, groups: { g: { swap: false, members: ['s', 'free'] } } });

// the machine is shared and loaded: measured times may be late by scheduling noise, never early
const EARLY_MS = 3;
const LATE_MS = 80;

describe('fixed schedules', () => {
  it('paces a stream on the schedule and logs exactly what was scheduled', async () => {
    const h = await host(withSchedule({ firstTokenMs: 150, gapMs: 40, tokens: 6 }));
    await post(h, 's', { max_tokens: 1 }); // load the model, so the measured request does not wait
    const m = await measure(h, 's');
    const log = h.scheduleLog();
    expect(log).toHaveLength(2);
    const e = log[1]!;
    expect(e).toMatchObject({ id: 2, model: 's', index: 1, path: '/v1/chat/completions', stream: true, firstTokenMs: 150, chunkMs: [150, 190, 230, 270, 310, 350], endMs: 350 });
    expect(e.startMs).toBeGreaterThanOrEqual(0);
    expect(e.startMs).toBeLessThan(LATE_MS);
    expect(Math.abs(e.arrivedAt - Date.now())).toBeLessThan(5000);
    expect(m.headers['x-sim-schedule-id']).toBe('2');
    expect(m.chunks).toHaveLength(6);
    for (let k = 0; k < 6; k++) {
      const due = e.startMs + e.chunkMs[k]!;
      expect(m.chunks[k]!, `chunk ${k}`).toBeGreaterThanOrEqual(due - EARLY_MS);
      expect(m.chunks[k]!, `chunk ${k}`).toBeLessThan(due + LATE_MS);
    }
    // timings as llama.cpp reports them: prompt_ms = time to first token, predicted_ms = first → last
    const last = m.text.split('\n\n').filter((b) => b.includes('"timings"'))[0]!;
    expect(JSON.parse(last.slice(6)).timings).toMatchObject({ prompt_ms: 150, predicted_ms: 200, predicted_n: 6, predicted_per_second: 30 });
  });

  it('a list gives one step per request index (cycling); a gap list repeats its last gap; non-streamed requests are logged too', async () => {
    const h = await host(withSchedule([
      { firstTokenMs: 30, gapMs: [10, 20], tokens: 4 },
      { firstTokenMs: 60, gapMs: 5, tokens: 3 },
    ]));
    const t0 = performance.now();
    const first = await post(h, 's');
    const waited = performance.now() - t0;
    expect(first.headers.get('x-sim-schedule-id')).toBe('1');
    expect(first.body.choices[0].message.content.split(' ')).toHaveLength(4);
    expect(first.body.choices[0].finish_reason).toBe('stop');
    await measure(h, 's');
    await post(h, 's', { max_tokens: 2 });
    await post(h, 'free');
    const log = h.scheduleLog();
    expect(log.map(({ id, index, stream, chunkMs, endMs }) => ({ id, index, stream, chunkMs, endMs }))).toEqual([
      { id: 1, index: 0, stream: false, chunkMs: [30, 40, 60, 80], endMs: 80 },
      { id: 2, index: 1, stream: true, chunkMs: [60, 65, 70], endMs: 70 },
      // max_tokens still caps the output: two chunks of the four-token step
      { id: 3, index: 2, stream: false, chunkMs: [30, 40], endMs: 40 },
    ]);
    // the first request also waited for the model to load: the log says how long (startMs)
    expect(waited).toBeGreaterThanOrEqual(log[0]!.startMs + log[0]!.endMs - EARLY_MS);
    expect(log[0]!.startMs).toBeGreaterThanOrEqual(4);
  });

  it('a function computes the step per index; a bad step or a throw is a llama-server 500, not a crash', async () => {
    const h = await host(withSchedule((i) => {
      if (i === 1) throw new Error('no step for 1');
      if (i === 2) return { firstTokenMs: -5, gapMs: 1 };
      return { firstTokenMs: 20 + i, gapMs: 2, tokens: 2 };
    }));
    expect((await post(h, 's')).status).toBe(200);
    const thrown = await post(h, 's');
    expect(thrown.status).toBe(500);
    expect(thrown.body.error).toMatchObject({ code: 500, type: 'server_error' });
    expect(thrown.body.error.message).toMatch(/schedule function threw for request 1: no step for 1/);
    const invalid = await post(h, 's');
    expect(invalid.status).toBe(500);
    expect(invalid.body.error.message).toMatch(/firstTokenMs must be a number/);
    expect((await post(h, 's')).status).toBe(200);
    expect(h.scheduleLog().map((e) => [e.index, e.chunkMs])).toEqual([
      [0, [20, 22]],
      [3, [23, 25]],
    ]);
  });

  it('rejects invalid schedules in the config with a typed error', async () => {
    for (const schedule of [{ firstTokenMs: -1, gapMs: 1 }, { firstTokenMs: 1, gapMs: [] }, { firstTokenMs: 1, gapMs: 1, tokens: 1.5 }, [], [{ firstTokenMs: 1 }]]) {
      await expect(startSimHost({ config: { models: { s: { schedule: schedule as never } } } }), JSON.stringify(schedule)).rejects.toBeInstanceOf(SimConfigError);
    }
  });

  it('overrides slowTokens and variance; a restart clears the log and the indexes', async () => {
    const h = await host({ models: { s: { loadMs: 5, schedule: { firstTokenMs: 10, gapMs: 3, tokens: 3 }, variance: { speedJitter: 0.5, slowChance: 1 } } } });
    h.faults.slowTokens(10);
    const r = await post(h, 's');
    expect(r.body.timings).toMatchObject({ prompt_ms: 10, predicted_ms: 6 });
    await h.faults.restart();
    expect(h.scheduleLog()).toEqual([]);
    await waitFor(() => post(h, 's').catch(() => undefined), 'host back');
    expect(h.scheduleLog().map((e) => e.index)).toEqual([0]);
  });
});
