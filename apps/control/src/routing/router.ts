import type { HostSummary, RoutingPolicy, RoutingScore } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { NAME_POLICY, type PolicyBook } from './policies';
import { scoreAll, type Candidate, type RequestNeeds, type ScoreInputs } from './score';
import { select, tier } from './select';

export type RouteMode = 'explicit' | 'name' | 'auto';

/** Where a request goes, or what it waits for. */
export interface Decision {
  requested: string;
  mode: RouteMode;
  policy: string | null;
  scores: RoutingScore[];
  /** the target and its failover order; undefined when every candidate is leased */
  chosen: RoutingScore | undefined;
  fallbacks: RoutingScore[];
  reason: string;
  /** leased hosts worth waiting for (a better tier than the best free candidate, or the only ones) */
  waitFor: Set<string>;
}

const ROUTABLE = new Set(['online', 'degraded']);

/**
 * Model resolution: `host/model` names one model on one host; `auto:<policy>` ranks every model
 * the policy allows; anything else is a model name (id or alias) ranked among the hosts that
 * serve it, loaded and idle first. Throws NO_ROUTE (404) with the candidates when nothing fits.
 */
export class Router {
  constructor(
    private readonly fleet: () => HostSummary[],
    private readonly book: PolicyBook,
    private readonly inputs: ScoreInputs,
    private readonly rng: () => number = Math.random,
  ) {}

  candidates(requested: string): { mode: RouteMode; policy: string | null; p: RoutingPolicy; cands: Candidate[] } {
    const hosts = this.fleet().filter((h) => ROUTABLE.has(h.status));
    if (requested.startsWith('auto:')) {
      const name = requested.slice(5);
      const entry = this.book.get(name);
      if (!entry) throw new AppError('NO_ROUTE', `no routing policy "${name}"; known: ${this.book.names().map((n) => `auto:${n}`).join(', ')}`, { param: 'model', candidates: this.book.names().map((n) => `auto:${n}`) });
      return { mode: 'auto', policy: name, p: entry.policy, cands: hosts.flatMap((host) => host.models.map((model) => ({ host, model }))) };
    }
    const slash = requested.indexOf('/');
    if (slash > 0) {
      const host = hosts.find((h) => h.id === requested.slice(0, slash));
      const rest = requested.slice(slash + 1);
      const model = host?.models.find((m) => m.id === rest) ?? host?.models.find((m) => m.aliases.includes(rest));
      if (host && model) return { mode: 'explicit', policy: null, p: NAME_POLICY, cands: [{ host, model }] };
    }
    const cands: Candidate[] = [];
    for (const host of hosts) {
      const model = host.models.find((m) => m.id === requested) ?? host.models.find((m) => m.aliases.includes(requested));
      if (model) cands.push({ host, model });
    }
    if (cands.length === 0) {
      const known = [...new Set(hosts.flatMap((h) => h.models.map((m) => m.id)))].sort();
      const hostKnown = slash > 0 && this.fleet().some((h) => h.id === requested.slice(0, slash));
      throw new AppError(
        'NO_ROUTE',
        `${hostKnown ? `host ${requested.slice(0, slash)} does not serve "${requested.slice(slash + 1)}" (or is not online)` : `no online host serves "${requested}"`}; GET /v1/models lists ${known.length} models and the auto:* policies`,
        { param: 'model', candidates: [...known, ...this.book.names().map((n) => `auto:${n}`)] },
      );
    }
    return { mode: 'name', policy: null, p: NAME_POLICY, cands };
  }

  /** Every online model × host under a policy, for the picker and GET /routing/scores. */
  scoresFor(p: RoutingPolicy, need: RequestNeeds = { kind: 'chat', tokens: 0, tools: false }): RoutingScore[] {
    const cands = this.fleet()
      .filter((h) => ROUTABLE.has(h.status))
      .flatMap((host) => host.models.map((model) => ({ host, model })));
    return scoreAll(cands, p, this.inputs, need, true);
  }

  decide(requested: string, need: RequestNeeds): Decision {
    const { mode, policy, p, cands } = this.candidates(requested);
    const scores = scoreAll(cands, p, this.inputs, need, mode === 'auto');
    const passing = scores.filter((s) => s.score !== null);
    if (passing.length === 0) {
      throw new AppError('NO_ROUTE', `no candidate for ${requested} passes the filters: ${[...new Set(scores.map((s) => s.filteredBy))].slice(0, 4).join('; ') || 'no models online'}`, {
        param: 'model',
        candidates: scores.map((s) => ({ host: s.hostId, model: s.model, filteredBy: s.filteredBy })),
      });
    }
    const free = passing.filter((s) => !s.inputs.leased);
    const healthy = free.filter((s) => !s.inputs.coolingDown);
    // Cooling hosts are a last resort: a request to one also probes it.
    const pick = select(healthy.length > 0 ? healthy : free, p, this.rng);
    const leased = passing.filter((s) => s.inputs.leased && !s.inputs.coolingDown);
    const bestTier = pick ? tier(pick.chosen) : Infinity;
    const waitFor = new Set((pick ? leased : passing).filter((s) => tier(s) < bestTier).map((s) => s.hostId));
    const prefix = mode === 'auto' ? `auto:${policy}` : mode;
    let reason = pick ? `${prefix}; ${pick.reason}` : `${prefix}; every candidate is leased`;
    if (pick && healthy.length === 0) reason += '; every candidate host is cooling down';
    if (pick && leased.length > 0 && waitFor.size === 0) reason += `; leased host skipped (${[...new Set(leased.map((s) => s.hostId))].join(', ')})`;
    return { requested, mode, policy, scores, chosen: pick?.chosen, fallbacks: pick?.fallbacks ?? [], reason, waitFor };
  }
}
