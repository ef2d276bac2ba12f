import type { BenchCompareRow, BenchFigures, CompareReport } from '@boocontrol/contracts';
import { csvList } from './range';
import type { BenchRunFigures, CompareRepo } from './compare.repo';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);

/** Figures of a stored BenchPoint, read defensively: a point written by an older engine may lack some. */
export function figuresOf(point: Record<string, unknown> | null): BenchFigures {
  return {
    level: num(at(point, 'level')),
    ttftP50Ms: num(at(point, 'ttftMs', 'p50')),
    ttftP95Ms: num(at(point, 'ttftMs', 'p95')),
    tpotP50Ms: num(at(point, 'tpotMs', 'p50')),
    outputTps: num(at(point, 'outputTps', 'mean')),
    errorRate: num(at(point, 'errorRate')),
  };
}

const FIGS = ['ttftP50Ms', 'ttftP95Ms', 'tpotP50Ms', 'outputTps', 'errorRate'] as const;

/** Bench (and later eval) comparisons: the last two runs of each host × model side by side. */
export class CompareService {
  constructor(
    private readonly repo: CompareRepo,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async compare(q: { host?: string | undefined; model?: string | undefined }): Promise<CompareReport> {
    const runs = await this.repo.lastBenchRuns(2, { hosts: csvList(q.host), models: csvList(q.model) });
    const pairs = new Map<string, BenchRunFigures[]>();
    for (const r of runs) {
      const k = `${r.hostId}\u0000${r.model}`;
      pairs.set(k, [...(pairs.get(k) ?? []), r]);
    }
    const bench: BenchCompareRow[] = [...pairs.values()].map(([latest, previous]) => {
      const lf = figuresOf(latest!.point);
      const pf = previous ? figuresOf(previous.point) : null;
      const deltas: Record<string, number | null> = {};
      for (const f of FIGS) {
        const a = lf[f];
        const b = pf?.[f] ?? null;
        deltas[f] = a !== null && b !== null && b !== 0 ? Math.round(((a - b) / b) * 10_000) / 10_000 : null;
      }
      return {
        hostId: latest!.hostId,
        model: latest!.model,
        latest: { runId: latest!.runId, at: latest!.at.toISOString(), figures: lf },
        previous: previous ? { runId: previous.runId, at: previous.at.toISOString(), figures: pf! } : null,
        deltas,
      };
    });
    const evals = await this.repo.evalRuns();
    const notes: string[] = [];
    if (bench.length === 0) notes.push('no bench runs');
    if (evals === 0) notes.push('no eval runs');
    return { kind: 'compare', generatedAt: this.now().toISOString(), bench, evals: [], note: notes.length ? notes.join('; ') : null };
  }

  /** The latest bench TTFT p95 of a host × model (the alert rule's baseline), or null. */
  async baselineTtftP95(hostId: string, model: string): Promise<number | null> {
    const [latest] = await this.repo.lastBenchRuns(1, { hosts: [hostId], models: [model] });
    return latest ? figuresOf(latest.point).ttftP95Ms : null;
  }
}
