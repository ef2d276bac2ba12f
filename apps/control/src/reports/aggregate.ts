import type { UsageGroup, UsageRow } from '@boocontrol/contracts';
import * as H from './histogram';
import type { CachedHost, CachedUsage } from './rollup-cache';

interface Acc {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheTokens: number;
  busyMs: number;
  ttft: Float64Array;
  gen: Float64Array;
  swaps: number;
  failedStarts: number;
  loadMs: number;
  gpuBusyS: number;
  energyWh: number;
}

const empty = (): Acc => ({ requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheTokens: 0, busyMs: 0, ttft: H.dense(), gen: H.dense(), swaps: 0, failedStarts: 0, loadMs: 0, gpuBusyS: 0, energyWh: 0 });
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const SEP = '\u0000';

function addAcc(a: Acc, b: Acc): void {
  a.requests += b.requests;
  a.errors += b.errors;
  a.inputTokens += b.inputTokens;
  a.outputTokens += b.outputTokens;
  a.cacheTokens += b.cacheTokens;
  a.busyMs += b.busyMs;
  a.swaps += b.swaps;
  a.failedStarts += b.failedStarts;
  a.loadMs += b.loadMs;
  a.gpuBusyS += b.gpuBusyS;
  a.energyWh += b.energyWh;
  for (let i = 0; i < H.MAX_BINS; i++) {
    a.ttft[i] = a.ttft[i]! + b.ttft[i]!;
    a.gen[i] = a.gen[i]! + b.gen[i]!;
  }
}

function toRow(key: string, a: Acc, withSwaps: boolean): UsageRow {
  const q = (h: Float64Array, p: number) => {
    const v = H.quantileDense(h, p);
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

const addTo = <K>(m: Map<K, number>, k: K, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/**
 * Groups rollup rows for one report. Mergeable, so the part of a range that no longer changes is
 * aggregated once and kept (usage.service.ts), and each request only adds the fresh hours.
 *
 * Energy and GPU-busy time per host come from the host rows (model ''); grouped by model they
 * are the model's attributed share (by request time); by consumer, each consumer's share of a
 * host × model's figure, again by request time. Hours without requests are idle energy.
 */
export class UsageAggregator {
  private readonly groups = new Map<string, Acc>();
  private readonly totals = empty();
  private hostEnergy = 0;
  private attributed = 0;
  /** consumer grouping: host × model → energy, GPU time, request time; host × model × consumer → request time */
  private readonly hmEnergy = new Map<string, number>();
  private readonly hmGpu = new Map<string, number>();
  private readonly hmBusy = new Map<string, number>();
  private readonly share = new Map<string, number>();

  constructor(readonly by: UsageGroup) {}

  private acc(k: string): Acc {
    let a = this.groups.get(k);
    if (!a) this.groups.set(k, (a = empty()));
    return a;
  }

  addUsage(rows: readonly CachedUsage[]): this {
    const by = this.by;
    for (const u of rows) {
      const k = by === 'host' ? u.hostId : by === 'model' ? u.model : by === 'consumer' ? u.consumer : u.day;
      for (const a of [this.acc(k), this.totals]) {
        a.requests += u.requests;
        a.errors += u.errors;
        a.inputTokens += u.inputTokens;
        a.outputTokens += u.outputTokens;
        a.cacheTokens += u.cacheTokens;
        a.busyMs += u.busyMs;
        H.addSparse(a.ttft, u.ttft);
        H.addSparse(a.gen, u.gen);
      }
      if (by === 'consumer') {
        const hmk = u.hostId + SEP + u.model;
        addTo(this.hmBusy, hmk, u.busyMs);
        addTo(this.share, hmk + SEP + u.consumer, u.busyMs);
      }
    }
    return this;
  }

  addHost(rows: readonly CachedHost[]): this {
    const by = this.by;
    for (const h of rows) {
      if (h.model === '') {
        this.hostEnergy += h.energyWh;
        const t = this.totals;
        t.swaps += h.loads;
        t.failedStarts += h.failedStarts;
        t.loadMs += h.loadMs;
        t.gpuBusyS += h.gpuBusyS;
        t.energyWh += h.energyWh;
      } else this.attributed += h.energyWh;
      let a: Acc | undefined;
      if ((by === 'host' || by === 'day') && h.model === '') a = this.acc(by === 'host' ? h.hostId : h.day);
      else if (by === 'model' && h.model !== '') a = this.acc(h.model);
      else if (by === 'consumer' && h.model !== '') {
        addTo(this.hmEnergy, h.hostId + SEP + h.model, h.energyWh);
        addTo(this.hmGpu, h.hostId + SEP + h.model, h.gpuBusyS);
      }
      if (a) {
        a.swaps += h.loads;
        a.failedStarts += h.failedStarts;
        a.loadMs += h.loadMs;
        a.gpuBusyS += h.gpuBusyS;
        a.energyWh += h.energyWh;
      }
    }
    return this;
  }

  merge(o: UsageAggregator): this {
    for (const [k, a] of o.groups) addAcc(this.acc(k), a);
    addAcc(this.totals, o.totals);
    this.hostEnergy += o.hostEnergy;
    this.attributed += o.attributed;
    for (const [m, om] of [
      [this.hmEnergy, o.hmEnergy],
      [this.hmGpu, o.hmGpu],
      [this.hmBusy, o.hmBusy],
      [this.share, o.share],
    ] as const)
      for (const [k, v] of om) addTo(m, k, v);
    return this;
  }

  finish(): { rows: UsageRow[]; totals: UsageRow; idleEnergyWh: number } {
    const withSwaps = this.by !== 'consumer';
    const groups = new Map<string, Acc>();
    for (const [k, a] of this.groups) {
      const c = empty();
      addAcc(c, a);
      groups.set(k, c);
    }
    if (this.by === 'consumer') {
      for (const [k, busy] of this.share) {
        const [host, model, consumer] = k.split(SEP) as [string, string, string];
        const total = this.hmBusy.get(host + SEP + model) ?? 0;
        const hmk = host + SEP + model;
        if (total <= 0 || !this.hmEnergy.has(hmk)) continue;
        const a = groups.get(consumer);
        if (!a) continue;
        a.energyWh += ((this.hmEnergy.get(hmk) ?? 0) * busy) / total;
        a.gpuBusyS += ((this.hmGpu.get(hmk) ?? 0) * busy) / total;
      }
    }
    return {
      rows: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, a]) => toRow(k, a, withSwaps)),
      totals: toRow('total', this.totals, true),
      idleEnergyWh: r3(Math.max(0, this.hostEnergy - this.attributed)),
    };
  }
}
