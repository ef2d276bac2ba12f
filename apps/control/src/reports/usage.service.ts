import type { UsageGroup, UsageReport, UsageReportQuery, UsageRow } from '@boocontrol/contracts';
import * as H from './histogram';
import { csvList, resolveRange, splitRange } from './range';
import { RollupCache, type Part } from './rollup-cache';
import type { HostRollup, RollupsRepo, UsageRollup } from './rollups.repo';

interface Acc {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheTokens: number;
  busyMs: number;
  ttft: H.Hist;
  gen: H.Hist;
  swaps: number;
  failedStarts: number;
  loadMs: number;
  gpuBusyS: number;
  energyWh: number;
}

const empty = (): Acc => ({ requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheTokens: 0, busyMs: 0, ttft: {}, gen: {}, swaps: 0, failedStarts: 0, loadMs: 0, gpuBusyS: 0, energyWh: 0 });
const dayKey = (d: Date) => d.toISOString().slice(0, 10);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const hm = (host: string, model: string) => `${host}\u0000${model}`;

function addUsage(a: Acc, u: UsageRollup): void {
  a.requests += u.requests;
  a.errors += u.errors;
  a.inputTokens += u.inputTokens;
  a.outputTokens += u.outputTokens;
  a.cacheTokens += u.cacheTokens;
  a.busyMs += u.busyMs;
  H.add(a.ttft, u.ttftHist);
  H.add(a.gen, u.genHist);
}

function toRow(key: string, a: Acc, withSwaps: boolean): UsageRow {
  const q = (h: H.Hist, p: number) => {
    const v = H.quantile(h, p);
    return v === null ? null : r3(v);
  };
  const tokens = a.inputTokens + a.outputTokens;
  return {
    key,
    requests: a.requests,
    errors: a.errors,
    errorRate: a.requests > 0 ? r3(a.errors / a.requests) : 0,
    inputTokens: a.inputTokens,
    outputTokens: a.outputTokens,
    cacheTokens: a.cacheTokens,
    ttftP50Ms: q(a.ttft, 0.5),
    ttftP95Ms: q(a.ttft, 0.95),
    genP50Tps: q(a.gen, 0.5),
    genP95Tps: q(a.gen, 0.95),
    busyS: r3(a.busyMs / 1000),
    gpuBusyS: r3(a.gpuBusyS),
    swaps: withSwaps ? a.swaps : null,
    failedStarts: withSwaps ? a.failedStarts : null,
    loadS: withSwaps ? r3(a.loadMs / 1000) : null,
    energyWh: r3(a.energyWh),
    whPer1kTokens: tokens > 0 && a.energyWh > 0 ? r3((a.energyWh / tokens) * 1000) : null,
  };
}

/**
 * Usage reports from the rollups: whole days from day rows, the hours at either end from hour
 * rows. Energy and GPU-busy time per host come from the host rows; grouped by model they are the
 * model's attributed share (by request time), and by consumer the consumer's share of each
 * host × model's figure (again by request time). Hours without requests are idle energy.
 */
export class UsageReportService {
  private readonly cache: RollupCache;

  constructor(
    repo: RollupsRepo,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.cache = new RollupCache(repo, now);
  }

  /** Called by the rollup service after it rewrote [from, to). */
  invalidate(from: Date, to: Date): void {
    this.cache.invalidate(from, to);
  }

  /** Forgets every cached bucket (a bench's cold runs). */
  clearCache(): void {
    this.cache.clear();
  }

  async usage(q: Omit<UsageReportQuery, 'format'>): Promise<UsageReport> {
    const range = resolveRange(q, this.now());
    const f = { hosts: csvList(q.host), models: csvList(q.model) };
    const split = splitRange(range);
    // One part after the other: PGlite runs one query at a time anyway, and the cache's
    // generation check stays simple.
    const parts: Array<Part & { grain: 'day' | 'hour' }> = [];
    if (split.days) parts.push({ ...(await this.cache.read('day', split.days.from, split.days.to, f)), grain: 'day' });
    for (const h of split.hours) parts.push({ ...(await this.cache.read('hour', h.from, h.to, f)), grain: 'hour' });
    const usage = parts.flatMap((p) => p.usage);
    const hostRows = parts.flatMap((p) => p.host);
    const rollupRows = { day: 0, hour: 0 };
    for (const p of parts) rollupRows[p.grain] += p.usage.length + p.host.length;

    const { rows, idleEnergyWh } = group(q.groupBy, usage, hostRows);
    const totals = empty();
    for (const u of usage) addUsage(totals, u);
    for (const h of hostRows) {
      if (h.model !== '') continue;
      totals.swaps += h.loads;
      totals.failedStarts += h.failedStarts;
      totals.loadMs += h.loadMs;
      totals.gpuBusyS += h.gpuBusyS;
      totals.energyWh += h.energyWh;
    }
    const withSwaps = q.groupBy !== 'consumer';
    return {
      kind: 'usage',
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      groupBy: q.groupBy,
      generatedAt: this.now().toISOString(),
      source: 'rollups',
      rollupRows,
      rows: [...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, a]) => toRow(k, a, withSwaps)),
      totals: toRow('total', totals, true),
      idleEnergyWh: r3(idleEnergyWh),
    };
  }
}

function group(by: UsageGroup, usage: UsageRollup[], hostRows: HostRollup[]): { rows: Map<string, Acc>; idleEnergyWh: number } {
  const rows = new Map<string, Acc>();
  const acc = (k: string) => {
    let a = rows.get(k);
    if (!a) rows.set(k, (a = empty()));
    return a;
  };
  const usageKey = (u: UsageRollup) => (by === 'host' ? u.hostId : by === 'model' ? u.model : by === 'consumer' ? u.consumer : dayKey(u.bucket));
  for (const u of usage) addUsage(acc(usageKey(u)), u);

  let hostEnergy = 0;
  let attributed = 0;
  for (const h of hostRows) {
    if (h.model === '') hostEnergy += h.energyWh;
    else attributed += h.energyWh;
  }
  const idleEnergyWh = Math.max(0, hostEnergy - attributed);
  const addHost = (a: Acc, h: HostRollup) => {
    a.swaps += h.loads;
    a.failedStarts += h.failedStarts;
    a.loadMs += h.loadMs;
    a.gpuBusyS += h.gpuBusyS;
    a.energyWh += h.energyWh;
  };
  if (by === 'host' || by === 'day') {
    for (const h of hostRows) if (h.model === '') addHost(acc(by === 'host' ? h.hostId : dayKey(h.bucket)), h);
  } else if (by === 'model') {
    for (const h of hostRows) if (h.model !== '') addHost(acc(h.model), h);
  } else {
    // consumer: each consumer's share of a host × model's energy and GPU time, by request time.
    const hmFig = new Map<string, { energy: number; gpu: number }>();
    for (const h of hostRows) {
      if (h.model === '') continue;
      const x = hmFig.get(hm(h.hostId, h.model)) ?? { energy: 0, gpu: 0 };
      x.energy += h.energyWh;
      x.gpu += h.gpuBusyS;
      hmFig.set(hm(h.hostId, h.model), x);
    }
    const hmBusy = new Map<string, number>();
    const share = new Map<string, number>();
    for (const u of usage) {
      hmBusy.set(hm(u.hostId, u.model), (hmBusy.get(hm(u.hostId, u.model)) ?? 0) + u.busyMs);
      const k = `${hm(u.hostId, u.model)}\u0000${u.consumer}`;
      share.set(k, (share.get(k) ?? 0) + u.busyMs);
    }
    for (const [k, busy] of share) {
      const [host, model, consumer] = k.split('\u0000') as [string, string, string];
      const total = hmBusy.get(hm(host, model)) ?? 0;
      const fig = hmFig.get(hm(host, model));
      if (!fig || total <= 0) continue;
      const a = acc(consumer);
      a.energyWh += (fig.energy * busy) / total;
      a.gpuBusyS += (fig.gpu * busy) / total;
    }
  }
  return { rows, idleEnergyWh };
}
