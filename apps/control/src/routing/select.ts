import type { RoutingPolicy, RoutingScore } from '@boocontrol/contracts';

export interface Selection {
  chosen: RoutingScore;
  /** the others in the pool, best first, other hosts before the chosen one's (failover order) */
  fallbacks: RoutingScore[];
  reason: string;
}

/** 0 = loaded, 1 = loading, 2 = would cause a load or swap. */
export const tier = (s: RoutingScore): number => (s.state === 'ready' ? 0 : s.state === 'starting' ? 1 : 2);

const describe = (s: RoutingScore): string => {
  const r = s.state === 'ready' ? (s.inputs.inflight === 0 ? 'loaded, idle' : `loaded, ${s.inputs.inflight} in flight`) : s.state === 'starting' ? 'loading' : `swap ~${Math.round((s.inputs.swapMs ?? 0) / 100) / 10}s`;
  return `${r}; score ${s.score}`;
};

/**
 * The selection rule (methodology §3.6.8): hard filters are already applied (score null); then
 * the swap budget — a candidate that is not loaded wins only if it beats the best loaded one by
 * more than `swapBudget` points (R5); then power-of-two-choices among the near-ties (within
 * `nearTie` points of the top): two are drawn and the one with fewer requests in flight wins,
 * so equal candidates share the traffic instead of herding on one (R3).
 */
export function select(scores: readonly RoutingScore[], p: RoutingPolicy, rng: () => number = Math.random): Selection | undefined {
  const eligible = scores.filter((s) => s.score !== null).sort((a, b) => b.score! - a.score!);
  const top = eligible[0];
  if (!top) return undefined;
  const notes: string[] = [];
  let pool = eligible;
  if (tier(top) > 0) {
    const bestLoaded = eligible.find((s) => tier(s) === 0);
    if (bestLoaded && top.score! - bestLoaded.score! <= p.swapBudget) {
      pool = eligible.filter((s) => tier(s) === 0);
      notes.push(`swap avoided (${bestLoaded.model} within ${p.swapBudget} pts)`);
    } else if (bestLoaded) notes.push(`swap worth ${Math.round((top.score! - bestLoaded.score!) * 10) / 10} pts`);
  }
  const lead = pool[0]!;
  const ties = pool.filter((s) => lead.score! - s.score! <= p.nearTie);
  let chosen = lead;
  if (ties.length >= 2) {
    const i = Math.floor(rng() * ties.length);
    let j = Math.floor(rng() * (ties.length - 1));
    if (j >= i) j++;
    const a = ties[i]!;
    const b = ties[j]!;
    chosen = a.inputs.inflight !== b.inputs.inflight ? (a.inputs.inflight < b.inputs.inflight ? a : b) : a.score! >= b.score! ? a : b;
    notes.push(`p2c of ${ties.length} near-ties`);
  }
  const rest = eligible.filter((s) => s !== chosen);
  const fallbacks = [...rest.filter((s) => s.hostId !== chosen.hostId), ...rest.filter((s) => s.hostId === chosen.hostId)];
  return { chosen, fallbacks, reason: [describe(chosen), ...notes].join('; ') };
}
