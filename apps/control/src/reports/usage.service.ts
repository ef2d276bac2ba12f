import type { UsageReport, UsageReportQuery } from '@boocontrol/contracts';
import { UsageAggregator } from './aggregate';
import { csvList, resolveRange, splitRange } from './range';
import { RollupCache } from './rollup-cache';
import type { RollupsRepo } from './rollups.repo';

const MEMO_MAX = 32;

/**
 * Usage reports from the rollups: whole days from day rows, the hours at either end from hour
 * rows (range.ts). Rows come through the per-bucket cache; the aggregate of the buckets that no
 * longer change is kept per grouping, so a repeated report adds only the fresh hours to it.
 */
export class UsageReportService {
  private readonly cache: RollupCache;
  private readonly memo = new Map<string, UsageAggregator>();

  constructor(
    repo: RollupsRepo,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.cache = new RollupCache(repo, now);
  }

  /** Called by the rollup service after it rewrote [from, to). */
  invalidate(from: Date, to: Date): void {
    // Memo keys name their cache entries: a rewritten bucket gets a new entry, hence a new key.
    this.cache.invalidate(from, to);
  }

  /** Forgets every cached bucket and aggregate (a bench's cold runs). */
  clearCache(): void {
    this.cache.clear();
    this.memo.clear();
  }

  async usage(q: Omit<UsageReportQuery, 'format'>): Promise<UsageReport> {
    const range = resolveRange(q, this.now());
    const f = { hosts: csvList(q.host), models: csvList(q.model) };
    const split = splitRange(range);
    const parts = [...(split.days ? [{ grain: 'day' as const, ...split.days }] : []), ...split.hours.map((h) => ({ grain: 'hour' as const, ...h }))];
    const rollupRows = { day: 0, hour: 0 };
    const agg = new UsageAggregator(q.groupBy);
    // One part after the other: PGlite runs one query at a time anyway.
    for (const p of parts) {
      const r = await this.cache.read(p.grain, p.from, p.to, f);
      rollupRows[p.grain] += r.stable.usage.length + r.stable.host.length + r.fresh.usage.length + r.fresh.host.length;
      const key = `${q.groupBy}|${r.stableKey}`;
      let stable = this.memo.get(key);
      if (!stable) {
        stable = new UsageAggregator(q.groupBy).addUsage(r.stable.usage).addHost(r.stable.host);
        this.memo.set(key, stable);
        while (this.memo.size > MEMO_MAX) this.memo.delete(this.memo.keys().next().value!);
      }
      agg.merge(stable).addUsage(r.fresh.usage).addHost(r.fresh.host);
    }
    const { rows, totals, idleEnergyWh } = agg.finish();
    return {
      kind: 'usage',
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      groupBy: q.groupBy,
      generatedAt: this.now().toISOString(),
      source: 'rollups',
      rollupRows,
      rows,
      totals,
      idleEnergyWh,
    };
  }
}
