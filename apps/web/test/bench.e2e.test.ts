import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { BenchRunListSchema, BenchRunSchema } from '@boocontrol/contracts';
import { openPage, type OpenedPage } from './helpers/browser';
import { startStack, type Stack } from './helpers/stack';

/**
 * Speed benchmarks on the demo fleet (what `pnpm start` shows with no hosts), in Chromium:
 * start a run from the Benchmarks view (the host is busy, so through the takeover
 * confirmation), watch its live progress, read its charts and points, run a second and overlay
 * the two. Windows are short (0.5 s warmup, 2 s measured, one repetition, levels 1 and 2) so a
 * run takes seconds. Screenshots go to this run's tmp dir.
 */
/**
 * The first run: the small chat model of the P104 host (the demo trickle uses it). The test's own
 * "other traffic" during a point is an embedding request to another model of the host, seen in
 * flight: its group is neither exclusive nor swapping, so it evicts nothing (a request to a model
 * of an exclusive llama-swap group would stop the benched model, and the bench would measure a
 * load), and unlike a same-model request it does not depend on activity rows, which llama-swap
 * stamps in whole seconds.
 */
const HOST = 'demo-p104';
const MODEL = 'qwen2.5-3b';
const OTHER = 'bge-m3';
/** The second run: another host and model, for the comparison. */
const HOST2 = 'demo-rtx5090';
const MODEL2 = 'qwen3-coder-30b';

describe('benchmarks view on the demo fleet', () => {
  let stack: Stack;
  let opened: OpenedPage | undefined;
  let page: Page;
  const shots = mkdtempSync(join(tmpdir(), 'boo-bench-'));
  /** The view scrolls inside the page, so a full-page shot is taken with a viewport as tall as the view. */
  const shoot = async (name: string) => {
    const path = join(shots, `${name}.png`);
    const height = await page.evaluate(() => Math.max(900, (document.querySelector('.view')?.scrollHeight ?? 0) + 80));
    await page.setViewportSize({ width: 1440, height });
    await page.screenshot({ path });
    await page.setViewportSize({ width: 1440, height: 900 });
    console.log(`[e2e] screenshot ${path}`);
  };
  const runIds: string[] = [];

  const direct = (path: string, body: unknown) => {
    const ac = new AbortController();
    const baseUrl = stack.control.ctx.fleet.get(HOST)!.baseUrl;
    const done = fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ac.signal })
      .then((r) => r.text())
      .catch(() => 'aborted');
    return { stop: () => ac.abort(), done };
  };
  /** Requests straight to the host (not through the bench): live traffic. */
  const longChat = () => direct('/v1/chat/completions', { model: MODEL, stream: true, max_tokens: 2000, messages: [{ role: 'user', content: 'someone else asking' }] });
  /** 4000 words at the embedding model's 3100 tok/s: over a second in flight (more while it loads). */
  const embedding = () => direct('/v1/embeddings', { model: OTHER, input: Array.from({ length: 4000 }, (_, i) => `word${i % 50}`).join(' ') });

  const fillQuick = async (host: string, model: string, levels = '1, 2') => {
    await page.getByTestId('bench-host').selectOption(host);
    await page.getByTestId('bench-model').selectOption(model);
    await page.getByTestId('bench-levels').fill(levels);
    await page.getByTestId('bench-input').fill('64');
    await page.getByTestId('bench-output').fill('32');
    await page.getByTestId('bench-warmup').fill('0.5');
    await page.getByTestId('bench-measure').fill('2');
    await page.getByTestId('bench-cooldown').fill('0');
    await page.getByTestId('bench-reps').fill('1');
    // bounds near the demo's speeds (its 2 s / 100 ms defaults would sit far above every point)
    await page.getByTestId('bench-slo-ttft').fill('300');
    await page.getByTestId('bench-slo-tpot').fill('50');
  };

  beforeAll(async () => {
    stack = await startStack({ env: { DEMO_FLEET: 'on' } });
    opened = await openPage(stack.baseUrl);
    page = opened.page;
  });
  afterAll(async () => {
    await opened?.close();
    await stack?.close();
  });

  it('starts a bench through the takeover confirmation and shows it live, then its charts', async () => {
    // the trickle loads the model; wait for it so the test's own traffic does not load it
    await expect.poll(() => stack.control.ctx.fleet.get(HOST)?.models.find((m) => m.id === MODEL)?.state, { timeout: 60_000 }).toBe('ready');
    await page.goto('/control/benchmarks');
    await expect.poll(() => page.getByTestId('stream-status').textContent(), { timeout: 30_000 }).toContain('online');
    await expect.poll(() => page.locator('[data-testid="bench-host"] option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);

    // defaults: a 1..8 sweep, the contract's window and SLOs
    expect(await page.getByTestId('bench-levels').inputValue()).toBe('1, 2, 4, 8');
    expect(await page.getByTestId('bench-slo-ttft').inputValue()).toBe('2000');
    expect(await page.getByTestId('bench-slo-tpot').inputValue()).toBe('100');
    expect(await page.getByTestId('bench-measure').inputValue()).toBe('60');
    // a bad sweep is refused in the form, with the contract's reason
    await page.getByTestId('bench-levels').fill('4, 2');
    expect(await page.getByTestId('bench-form-invalid').textContent()).toContain('strictly ascending');
    expect(await page.getByTestId('bench-start').isDisabled()).toBe(true);

    await fillQuick(HOST, MODEL);
    const busy = longChat(); // 2000 tokens at the model's 24 tok/s: in flight until stopped
    await expect.poll(() => (stack.control.ctx.fleet.get(HOST)?.inflight ?? []).some((f) => f.model === MODEL), { timeout: 10_000 }).toBe(true);
    await page.getByTestId('bench-start').click();
    const takeover = page.getByTestId('bench-takeover');
    await takeover.waitFor({ timeout: 10_000 });
    expect(await takeover.textContent()).toMatch(/serving other traffic.*in flight/);
    await shoot('bench-takeover');
    await page.getByTestId('bench-takeover-confirm').click();
    busy.stop();

    // live progress: watch the phase as it changes, and send a request that is not the bench's
    // while point 1 measures (the point must come out contaminated)
    const card = page.locator('[data-testid="bench-live"]').first();
    await card.waitFor({ timeout: 10_000 });
    const runId = (await card.getAttribute('data-run'))!;
    runIds.push(runId);
    const phases: string[] = [];
    const seen: string[] = [];
    let sentOther: ReturnType<typeof direct> | null = null;
    let measureAt: number | null = null;
    let leaseChecked = false;
    const refusals: string[] = [];
    let liveShot = false;
    await expect
      .poll(
        async () => {
          // short timeouts: the card leaves when the run succeeds, and a locator would wait for it
          const phase = (await card.getAttribute('data-phase', { timeout: 200 }).catch(() => null)) ?? 'gone';
          const point = await page.getByTestId('bench-live-point').first().textContent({ timeout: 200 }).catch(() => '');
          if (seen.at(-1) !== `${point} ${phase}`) seen.push(`${point} ${phase}`);
          if (phases.at(-1) !== phase) phases.push(phase);
          // half a second into point 1's measured window (the watch counts what it first sees inside the point)
          if (phase === 'measure' && point?.startsWith('point 1')) measureAt ??= Date.now();
          if (measureAt !== null && Date.now() - measureAt > 500 && !sentOther) sentOther = embedding();
          if (phase === 'measure' && point?.startsWith('point 2') && !liveShot) {
            liveShot = true;
            await shoot('bench-live');
          }
          if (phase === 'measure' && !leaseChecked) {
            // a second run on the same host is refused while this one holds the lease (the answer
            // is read in later rounds, so a slow reply cannot make the poll miss a phase)
            leaseChecked = true;
            await page.getByTestId('bench-start').click();
          }
          const refusal = await page.getByTestId('bench-error').textContent({ timeout: 50 }).catch(() => null);
          if (refusal && !refusals.includes(refusal)) refusals.push(refusal);
          return page.getByTestId('bench-results').getAttribute('data-status', { timeout: 200 }).catch(() => null);
        },
        { timeout: 90_000, interval: 100 },
      )
      .toBe('succeeded');
    await (sentOther as ReturnType<typeof direct> | null)?.done;
    expect(phases).toContain('measure');
    expect(refusals).toEqual([expect.stringMatching(/^LEASE_HELD host demo-p104 is leased for bench until /)]);
    // the LEASE_HELD refusal went away with the run that held the lease
    await expect.poll(() => page.getByTestId('bench-error').count(), { timeout: 10_000 }).toBe(0);
    expect(liveShot, `saw point 2 measuring: ${seen.join(' | ')}`).toBe(true);

    // results: stored run, charts with the SLO bound and capacity, points with flags
    const results = page.getByTestId('bench-results');
    await expect.poll(() => results.getAttribute('data-points'), { timeout: 10_000 }).toBe('2');
    const stored = BenchRunSchema.parse(await (await fetch(`${stack.controlUrl}/api/control/bench/runs/${runId}`)).json());
    expect(stored.points.map((p) => p.level)).toEqual([1, 2]);
    for (const id of ['ttft', 'tpot', 'tps', 'scatter']) await page.locator(`[data-testid="bench-chart"][data-chart="${id}"]`).waitFor();
    const ttft = page.locator('[data-testid="bench-chart"][data-chart="ttft"]');
    expect(await ttft.locator('[data-testid="bench-chart-point"]').count()).toBe(4); // p50 and p99 at two levels
    // each SLO bound is drawn, or named in the title when it is more than 4x above every value
    const bound = async (chart: string, value: number, dataMax: number) => {
      const c = page.locator(`[data-testid="bench-chart"][data-chart="${chart}"]`);
      if (value <= dataMax * 4) expect(await c.locator('[data-testid="bench-slo-line"]').getAttribute('data-value')).toBe(String(value));
      else expect(await c.getByTestId('bench-slo-offscale').textContent()).toContain(`${value} ms`);
    };
    await bound('ttft', 300, Math.max(...stored.points.map((p) => p.ttftMs.p99 ?? 0)));
    await bound('tpot', 50, Math.max(...stored.points.map((p) => p.tpotMs.p99 ?? 0)));
    const cap = stored.summary?.capacity.maxLevel;
    if (cap != null) expect(await ttft.locator('[data-testid="bench-capacity-line"]').getAttribute('data-value')).toBe(String(cap));
    else expect(await page.getByTestId('bench-capacity').textContent()).toBe('none met');
    // the view shows exactly the flags the run stored; point 1 saw our request
    expect(stored.points[0]!.flags.contaminated, `point 1 saw the test's request: ${JSON.stringify(stored.points[0]!.flags)}`).toBe(true);
    const rowFlags = await page.locator('[data-testid="bench-point-row"]').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('[data-testid="bench-point-flag"]')].map((f) => f.getAttribute('data-flag'))));
    expect(rowFlags[0]).toContain('contaminated');
    for (const [i, p] of stored.points.entries()) expect(rowFlags[i]!.includes('contaminated')).toBe(p.flags.contaminated);
    expect(await ttft.locator('[data-testid="bench-chart-point"][data-flags*="contaminated"]').count()).toBeGreaterThan(0);
    // the per-request scatter of the last point, from the samples route
    const scatter = page.locator('[data-chart="scatter"]');
    await expect.poll(() => scatter.locator('[data-testid="bench-sample"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    // CSV export
    const href = await page.getByTestId('bench-csv').getAttribute('href');
    const csv = await fetch(`${stack.baseUrl}${href}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\n')[0]).toMatch(/^run,host,model,point,level/);
    await shoot('bench-results');
  });

  it('runs a second bench and overlays the two', async () => {
    await fillQuick(HOST2, MODEL2);
    await page.getByTestId('bench-start').click();
    // the demo trickle serves this host too: take it over if asked
    const live = page.locator('[data-testid="bench-live"]');
    const takeover = page.getByTestId('bench-takeover-confirm');
    await expect.poll(async () => (await takeover.count()) > 0 || (await live.count()) > 0, { timeout: 10_000 }).toBe(true);
    if (await takeover.count()) await takeover.click();
    await expect.poll(() => page.getByTestId('bench-results').getAttribute('data-run'), { timeout: 10_000 }).not.toBe(runIds[0]);
    const second = (await page.getByTestId('bench-results').getAttribute('data-run'))!;
    runIds.push(second);
    await expect.poll(() => page.getByTestId('bench-results').getAttribute('data-status'), { timeout: 90_000 }).toBe('succeeded');

    // the list has both; filter by host narrows it
    const rows = page.locator('[data-testid="bench-run-row"]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    await page.getByTestId('bench-filter-host').selectOption(HOST);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-run')).toBe(runIds[0]);
    const listed = BenchRunListSchema.parse(await (await fetch(`${stack.controlUrl}/api/control/bench/runs?host=${HOST}`)).json());
    expect(listed.runs.map((r) => r.id)).toEqual([runIds[0]]);
    await page.getByTestId('bench-filter-host').selectOption('');
    await expect.poll(() => rows.count()).toBe(2);

    for (const id of runIds) await page.locator(`[data-testid="bench-run-row"][data-run="${id}"] [data-testid="bench-compare-check"]`).check();
    await page.getByTestId('bench-compare-go').click();
    const cmp = page.getByTestId('bench-compare');
    await cmp.waitFor({ timeout: 10_000 });
    expect(await cmp.getAttribute('data-runs')).toBe('2');
    expect(decodeURIComponent(page.url())).toContain(`compare=${runIds.join(',')}`);
    // every run is a series (p99 and p50) on the TTFT chart, one on throughput
    expect(await cmp.locator('[data-chart="ttft"] [data-series]').count()).toBe(4);
    expect(await cmp.locator('[data-chart="tps"] [data-series]').count()).toBe(2);
    expect(await cmp.locator('[data-testid="bench-compare-levels"] tbody tr').count()).toBe(2);
    const legend = await cmp.locator('[data-chart="tps"] .bench-legend').textContent();
    expect(legend).toContain(`${MODEL} @ ${HOST}`);
    expect(legend).toContain(`${MODEL2} @ ${HOST2}`);
    await shoot('bench-compare');
    // opening a run from the comparison goes back to its results
    await cmp.locator('[data-testid="bench-compare-run"]').first().click();
    await expect.poll(() => page.getByTestId('bench-results').getAttribute('data-run')).toBe(runIds[0]);
    expect(opened!.pageErrors).toEqual([]);
  });
});
