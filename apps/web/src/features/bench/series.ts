import type { BenchLatencyMetric, BenchPoint, BenchRun, BenchSlo } from '@boocontrol/contracts';
import type { RefLine, SweepChartProps, SweepPoint, SweepSeries } from './charts/SweepChart';

/** Run colours in a comparison (the fleet charts' palette). */
export const RUN_COLORS = ['#35d0ff', '#ffb547', '#7cffc4', '#ff5470', '#b18cff', '#f5f07a', '#4f9dff', '#ff8fd1'];
const P50 = '#35d0ff';
const P99 = '#ffb547';

type RunLike = Pick<BenchRun, 'id' | 'hostId' | 'model' | 'spec' | 'points' | 'summary' | 'createdAt'>;

/**
 * Why a point should not be read at face value, as short names. Contaminated and noisy are the
 * two the view insists on (other traffic was measured too / repetitions disagree by > 5 % CV).
 */
export function pointFlags(p: BenchPoint): string[] {
  const f = p.flags;
  return [
    f.contaminated && 'contaminated',
    f.noisy && 'noisy',
    f.foreignTraffic && !f.contaminated && 'foreign traffic',
    f.shedding && 'shedding',
    f.tokenCountDivergent && 'token count',
    f.ignoreEosIgnored && 'eos ignored',
    f.coalescedChunks && 'coalesced',
  ].filter((x): x is string => typeof x === 'string');
}

/** What each flag means, for titles and the legend under the point table. */
export const FLAG_HELP: Record<string, string> = {
  contaminated: "requests that were not the bench's own reached the host (or a prompt cache served the prompts): the figures include them",
  noisy: 'a repetition figure (tok/s, TTFT p50, TPOT p50) varies by more than 5 % CV',
  'foreign traffic': 'other requests reached the host during the point',
  shedding: "llama-swap refused requests with 429 (the model's concurrency limit); reported apart from latency",
  'token count': "client-counted tokens differ from the server's count by more than 1 %",
  'eos ignored': 'ignore_eos was asked for but some outputs stopped early',
  coalesced: 'many chunk gaps under 0.1 ms: chunks arrived together, ITL p50 is unreliable',
};

export const isRate = (run: RunLike) => run.spec.driver.kind === 'rate';
export const xLabelOf = (run: RunLike) => (isRate(run) ? 'request rate (req/s)' : 'concurrency (users)');
export const levelName = (run: RunLike) => (isRate(run) ? 'rate' : 'users');

/**
 * The flags that question a point's figures themselves, ringed on the charts. The others
 * (coalesced chunks, ignore_eos ignored…) are caveats about one metric: in the title and table.
 */
const CHART_FLAGS = new Set(['contaminated', 'noisy', 'foreign traffic', 'shedding']);
export const majorFlags = (p: BenchPoint) => pointFlags(p).filter((f) => CHART_FLAGS.has(f));

const pt = (p: BenchPoint, y: number | null, err?: number | null): SweepPoint => {
  const all = pointFlags(p);
  const minor = all.filter((f) => !CHART_FLAGS.has(f));
  return {
    x: p.level,
    y,
    err: err ?? null,
    flags: all.filter((f) => CHART_FLAGS.has(f)),
    note: `${p.requests.succeeded} ok, ${p.requests.errors} errors, ${p.requests.shed} shed${p.foreignRequests ? `, ${p.foreignRequests} foreign` : ''}${minor.length ? `\nnotes: ${minor.join(', ')}` : ''}`,
  };
};

const METRIC_NAME: Record<BenchLatencyMetric, string> = { ttft: 'TTFT', ttftSched: 'TTFT (sched)', tpot: 'TPOT', itl: 'ITL', e2e: 'E2E', e2eSched: 'E2E (sched)' };
export const sloText = (s: BenchSlo) => `p${s.percentile} ${METRIC_NAME[s.metric]} ≤ ${s.maxMs} ms`;

/** The runs' SLOs on the given metrics, once each, as dashed bounds. */
function bounds(runs: RunLike[], metrics: BenchLatencyMetric[]): RefLine[] {
  const seen = new Map<string, RefLine>();
  for (const r of runs)
    for (const s of r.spec.slos)
      if (metrics.includes(s.metric)) seen.set(`${s.metric}${s.percentile}${s.maxMs}`, { key: `slo-${s.metric}-${s.percentile}-${s.maxMs}`, label: `SLO ${sloText(s)}`, color: 'var(--bad)', value: s.maxMs, kind: 'slo' });
  return [...seen.values()];
}

/** Capacity (the highest level meeting every SLO, every lower one too) and the throughput knee. */
function markers(runs: RunLike[], colors: string[] | null, knee: boolean): RefLine[] {
  return runs.flatMap((r, i) => {
    const out: RefLine[] = [];
    const c = r.summary?.capacity;
    const who = colors ? `${runLabel(r, runs)}: ` : '';
    if (c?.maxLevel != null) {
      const interp = c.interpolatedLevel != null && c.interpolatedLevel !== c.maxLevel ? ` (~${c.interpolatedLevel.toFixed(1)})` : '';
      out.push({ key: `cap-${r.id}`, label: `${who}capacity ${c.maxLevel}${interp}`, color: colors?.[i] ?? 'var(--good)', value: c.maxLevel, kind: 'capacity' });
    }
    const k = r.summary?.knee;
    if (knee && k?.status === 'ok' && k.saturationLevel != null) out.push({ key: `knee-${r.id}`, label: `${who}knee ${k.saturationLevel}`, color: colors?.[i] ?? 'var(--accent-2)', value: k.saturationLevel, kind: 'knee' });
    return out;
  });
}

/** A short name per run; runs of the same host and model are told apart by their start time. */
export function runLabel(run: RunLike, all: RunLike[]): string {
  const base = `${run.model ?? '?'} @ ${run.hostId ?? '?'}`;
  const twins = all.filter((r) => r.model === run.model && r.hostId === run.hostId);
  if (twins.length < 2) return base;
  return `${base} ${new Date(run.createdAt).toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
}

type Chart = Omit<SweepChartProps, 'id'> & { id: 'ttft' | 'tpot' | 'tps' };

/** The three sweep charts of one run: TTFT p50/p99, TPOT p50/p99, and tok/s. */
export function runCharts(run: RunLike): Chart[] {
  const xLabel = xLabelOf(run);
  const ps = run.points;
  const line = (key: string, label: string, color: string, points: SweepPoint[], dashed = false): SweepSeries => ({ key, label, color, points, dashed });
  return [
    {
      id: 'ttft', title: 'Time to first token', unit: 'ms', xLabel,
      series: [line('ttft-p50', 'TTFT p50', P50, ps.map((p) => pt(p, p.ttftMs.p50))), line('ttft-p99', 'TTFT p99', P99, ps.map((p) => pt(p, p.ttftMs.p99)))],
      bounds: bounds([run], ['ttft', 'ttftSched']), markers: markers([run], null, false),
    },
    {
      id: 'tpot', title: 'Time per output token', unit: 'ms', xLabel,
      series: [line('tpot-p50', 'TPOT p50', P50, ps.map((p) => pt(p, p.tpotMs.p50))), line('tpot-p99', 'TPOT p99', P99, ps.map((p) => pt(p, p.tpotMs.p99)))],
      bounds: bounds([run], ['tpot', 'itl']), markers: markers([run], null, false),
    },
    {
      id: 'tps', title: 'Throughput', unit: 'tok/s', xLabel,
      series: [
        line('out', 'output tok/s (mean ± sd)', '#7cffc4', ps.map((p) => pt(p, p.outputTps.mean, p.outputTps.std))),
        line('total', 'total tok/s', '#b18cff', ps.map((p) => pt(p, p.totalTps.mean)), true),
      ],
      markers: markers([run], null, true),
    },
  ];
}

/** The same charts with every run overlaid in its own colour (p99 solid, p50 dashed). */
export function compareCharts(runs: RunLike[]): Chart[] {
  const xLabel = runs.every(isRate) ? xLabelOf(runs[0]!) : runs.some(isRate) ? 'level (users or req/s)' : xLabelOf(runs[0] ?? ({ spec: { driver: { kind: 'concurrency' } } } as RunLike));
  const per = (f: (r: RunLike, i: number, color: string, label: string) => SweepSeries[]) => runs.flatMap((r, i) => f(r, i, RUN_COLORS[i % RUN_COLORS.length]!, runLabel(r, runs)));
  const colors = runs.map((_, i) => RUN_COLORS[i % RUN_COLORS.length]!);
  return [
    {
      id: 'ttft', title: 'TTFT p99 (solid) and p50 (dashed)', unit: 'ms', xLabel,
      series: per((r, _i, color, label) => [
        { key: `${r.id}-p99`, label: `${label} p99`, color, points: r.points.map((p) => pt(p, p.ttftMs.p99)) },
        { key: `${r.id}-p50`, label: `${label} p50`, color, dashed: true, points: r.points.map((p) => pt(p, p.ttftMs.p50)) },
      ]),
      bounds: bounds(runs, ['ttft', 'ttftSched']), markers: markers(runs, colors, false),
    },
    {
      id: 'tpot', title: 'TPOT p50', unit: 'ms', xLabel,
      series: per((r, _i, color, label) => [{ key: `${r.id}-tpot`, label, color, points: r.points.map((p) => pt(p, p.tpotMs.p50)) }]),
      bounds: bounds(runs, ['tpot', 'itl']),
    },
    {
      id: 'tps', title: 'Output tok/s (mean ± sd)', unit: 'tok/s', xLabel,
      series: per((r, _i, color, label) => [{ key: `${r.id}-tps`, label, color, points: r.points.map((p) => pt(p, p.outputTps.mean, p.outputTps.std)) }]),
      markers: markers(runs, colors, true),
    },
  ];
}
