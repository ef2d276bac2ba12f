import type { HostResidency, ModelState, ResidencyReport, ResidencySwap, SwapTrigger } from '@boocontrol/contracts';
import { csvList, resolveRange } from './range';
import type { ResidencyRepo, ResidencyTransition } from './residency.repo';

/** Transitions read per report at most (a crash-looping model over months would be unbounded). */
const MAX_TRANSITIONS = 20_000;

type Seg = { state: 'loading' | 'ready'; from: number; to: number | null };

const segState = (s: ModelState): Seg['state'] | null => (s === 'starting' ? 'loading' : s === 'ready' ? 'ready' : null);

function triggerOf(t: ResidencyTransition): SwapTrigger {
  if (t.jobId) return 'queue';
  if (t.gateway) return 'gateway';
  if (t.traffic) return 'traffic';
  return 'unknown';
}

/**
 * Per host, which models were resident when: lanes of loading / ready segments built from the
 * model transitions, and every load with who started it (a job on the action queue running on
 * that host at the time, else a gateway request, else any request for the model right after).
 */
export function buildResidency(
  hostIds: string[],
  initial: Array<{ hostId: string; model: string; state: ModelState; since: Date }>,
  transitions: ResidencyTransition[],
  range: { from: Date; to: Date },
  now: Date,
  truncated: boolean,
): HostResidency[] {
  const from = range.from.getTime();
  const end = Math.min(range.to.getTime(), now.getTime());
  const out: HostResidency[] = [];
  for (const hostId of hostIds) {
    const lanes = new Map<string, { segs: Seg[]; loads: number; loadMs: number }>();
    const lane = (model: string) => {
      let l = lanes.get(model);
      if (!l) lanes.set(model, (l = { segs: [], loads: 0, loadMs: 0 }));
      return l;
    };
    for (const s of initial) {
      if (s.hostId !== hostId) continue;
      const st = segState(s.state);
      if (st) lane(s.model).segs.push({ state: st, from, to: null });
    }
    const swaps: ResidencySwap[] = [];
    const openSwap = new Map<string, ResidencySwap>();
    for (const t of transitions) {
      if (t.hostId !== hostId) continue;
      const l = lane(t.model);
      const at = t.at.getTime();
      const open = l.segs[l.segs.length - 1];
      if (open && open.to === null) open.to = at;
      const st = segState(t.to);
      if (st) l.segs.push({ state: st, from: at, to: null });
      if (t.to === 'starting') {
        l.loads++;
        const swap: ResidencySwap = { at: t.at.toISOString(), model: t.model, trigger: triggerOf(t), jobId: t.jobId, jobType: t.jobType, loadMs: null, failed: false };
        swaps.push(swap);
        openSwap.set(t.model, swap);
      } else {
        const swap = openSwap.get(t.model);
        if (swap) {
          if (t.to === 'ready') swap.loadMs = t.loadMs ?? at - Date.parse(swap.at);
          else swap.failed = t.to === 'stopped';
          openSwap.delete(t.model);
        }
        if (t.loadMs !== null) l.loadMs += t.loadMs;
      }
    }
    out.push({
      hostId,
      truncated,
      swaps,
      lanes: [...lanes.entries()]
        .filter(([, l]) => l.segs.length > 0 || l.loads > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([model, l]) => ({
          model,
          loads: l.loads,
          loadMsTotal: l.loadMs,
          residentS: Math.round(l.segs.filter((s) => s.state === 'ready').reduce((sum, s) => sum + Math.max(0, (s.to ?? end) - s.from), 0) / 100) / 10,
          segments: l.segs.map((s) => ({ state: s.state, from: new Date(s.from).toISOString(), to: s.to === null ? null : new Date(s.to).toISOString() })),
        })),
    });
  }
  return out;
}

export class ResidencyService {
  constructor(
    private readonly repo: ResidencyRepo,
    private readonly knownHosts: () => string[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  async residency(q: { range?: string | undefined; from?: string | undefined; to?: string | undefined; host?: string | undefined }): Promise<ResidencyReport> {
    const now = this.now();
    const range = resolveRange(q, now);
    const hosts = csvList(q.host);
    const [initial, { rows, truncated }] = await Promise.all([this.repo.statesAt(hosts, range.from), this.repo.transitions(hosts, range.from, range.to, MAX_TRANSITIONS)]);
    const ids = new Set(hosts ?? this.knownHosts());
    if (!hosts) for (const t of rows) ids.add(t.hostId);
    return {
      kind: 'residency',
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      generatedAt: now.toISOString(),
      hosts: buildResidency([...ids].sort(), initial, rows, range, now, truncated),
    };
  }
}
