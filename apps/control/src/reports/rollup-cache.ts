import { toSparse, type SparseHist } from './histogram';
import type { Grain, HostRollup, RollupFilter, RollupsRepo, UsageRollup } from './rollups.repo';

/** A usage row as reports consume it: histograms in merge-ready form, its UTC day precomputed. */
export interface CachedUsage extends UsageRollup {
  ttft: SparseHist;
  gen: SparseHist;
  day: string;
}

export interface CachedHost extends HostRollup {
  day: string;
}

export interface Part {
  usage: CachedUsage[];
  host: CachedHost[];
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

const SPAN: Record<Grain, number> = { hour: 3_600_000, day: 86_400_000 };
/** Buckets this close to now are always read again: that is where rollup passes are writing. */
const RECENT_MS = 2 * 3_600_000;
/** Older buckets are kept this long: only another control sharing the database rewrites them behind our back (a late backfill it ingested), and this bounds how stale that can be. */
const TTL_MS = 30 * 60_000;
const MAX_ENTRIES = 20_000;

/**
 * Rollup rows cached per bucket (one hour or one day, per filter). A report reads only the
 * buckets it lacks, in contiguous runs, so after the first view a 90-day report reads the last
 * couple of hours and merges the rest from memory. A rollup pass drops the buckets it rewrote
 * (`invalidate`); a read that overlapped a pass is not kept (generation check).
 */
export class RollupCache {
  private readonly entries = new Map<string, { part: Part; at: number; id: number }>();
  private generation = 0;
  private nextId = 0;

  constructor(
    private readonly repo: RollupsRepo,
    private readonly now: () => Date,
  ) {}

  invalidate(from: Date, to: Date): void {
    this.generation++;
    for (const k of [...this.entries.keys()]) {
      const [grain, b] = k.split('|') as [Grain, string];
      const start = Number(b);
      if (start < to.getTime() && from.getTime() < start + SPAN[grain]) this.entries.delete(k);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Every row of [from, to) (bucket-aligned), from memory where it can: `stable` holds the
   * buckets kept in the cache (`stableKey` names exactly those entries, so an aggregate of them can
   * be kept under it), `fresh` the rest (recent hours, reads that overlapped a pass).
   */
  async read(grain: Grain, from: Date, to: Date, f: RollupFilter): Promise<{ stable: Part; fresh: Part; stableKey: string; fetched: number }> {
    const span = SPAN[grain];
    const fk = `${f.hosts?.join(',') ?? ''}|${f.models?.join(',') ?? ''}`;
    const key = (b: number) => `${grain}|${b}|${fk}`;
    const now = this.now().getTime();
    const t = Date.now();
    const have = new Map<number, Part>();
    const missing: number[] = [];
    for (let b = from.getTime(); b < to.getTime(); b += span) {
      const e = this.entries.get(key(b));
      if (e && t - e.at < TTL_MS && b + span <= now - RECENT_MS) have.set(b, e.part);
      else missing.push(b);
    }
    let fetched = 0;
    const gen = this.generation;
    for (let i = 0; i < missing.length; ) {
      const start = missing[i]!;
      let end = start + span;
      i++;
      while (i < missing.length && missing[i] === end) {
        end += span;
        i++;
      }
      const [usage, host] = await Promise.all([this.repo.readUsage(grain, new Date(start), new Date(end), f), this.repo.readHost(grain, new Date(start), new Date(end), f)]);
      fetched += usage.length + host.length;
      for (let b = start; b < end; b += span) have.set(b, { usage: [], host: [] });
      const days = new Map<number, string>();
      const day = (d: Date) => {
        const k = Math.floor(d.getTime() / 86_400_000);
        let s = days.get(k);
        if (s === undefined) days.set(k, (s = dayOf(d)));
        return s;
      };
      for (const u of usage) have.get(u.bucket.getTime())?.usage.push({ ...u, ttft: toSparse(u.ttftHist), gen: toSparse(u.genHist), day: day(u.bucket) });
      for (const h of host) have.get(h.bucket.getTime())?.host.push({ ...h, day: day(h.bucket) });
      if (gen === this.generation) for (let b = start; b < end; b += span) this.put(key(b), have.get(b)!, t);
    }
    const stable: Part = { usage: [], host: [] };
    const fresh: Part = { usage: [], host: [] };
    const ids: string[] = [];
    for (const [b, p] of [...have.entries()].sort((x, y) => x[0] - y[0])) {
      const e = this.entries.get(key(b));
      const kept = e !== undefined && e.part === p && b + span <= now - RECENT_MS;
      if (kept) ids.push(`${b}:${e.id}`);
      const into = kept ? stable : fresh;
      for (const u of p.usage) into.usage.push(u);
      for (const h of p.host) into.host.push(h);
    }
    return { stable, fresh, stableKey: `${grain}|${fk}|${ids.join(',')}`, fetched };
  }

  private put(k: string, part: Part, at: number): void {
    this.entries.delete(k);
    this.entries.set(k, { part, at, id: ++this.nextId });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}
