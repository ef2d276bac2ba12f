import type { HostSummary, LiveModel, ModelFacts, RoutingPolicy, RoutingScore } from '@boocontrol/contracts';
import type { QualityInput } from '@boocontrol/contracts';
import type { SpeedEstimate } from './signals';

/** One model on one host that a request could go to. */
export interface Candidate {
  host: HostSummary;
  model: LiveModel;
}

/** What the scorer reads: the slow signals (snapshots) and the live ones (gateway, fleet, lease). */
export interface ScoreInputs {
  speed(hostId: string, model: string, inflight: number): SpeedEstimate;
  loadMs(hostId: string, model: string): number | null;
  quality(model: string, category: string | null): QualityInput | undefined;
  inflight(hostId: string, model: string): number;
  hostInflight(hostId: string): number;
  errorRate(hostId: string): number;
  coolingDown(hostId: string): boolean;
  leased(hostId: string): boolean;
  facts(model: string): ModelFacts;
  hostTags(hostId: string): string[];
}

/** What the request itself demands of a model. */
export interface RequestNeeds {
  kind: 'chat' | 'embedding';
  /** estimated prompt + max_tokens */
  tokens: number;
  tools: boolean;
}

/** Load time assumed for a model never seen loading (llama-swap swaps take seconds to minutes). */
export const DEFAULT_SWAP_MS = 20_000;
/** Output length a speed estimate assumes (TTFT + this × TPOT). */
const TYPICAL_OUTPUT = 256;
const EMBEDDING_NAME = /embed|bge|e5-|gte-|minilm/i;

export function modelKind(m: LiveModel, facts: ModelFacts): 'chat' | 'embedding' {
  return facts.kind ?? (EMBEDDING_NAME.test(m.id) || EMBEDDING_NAME.test(m.name) ? 'embedding' : 'chat');
}

const glob = (pattern: string, s: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);

/** The first hard filter a candidate fails, or null. */
export function filterReason(c: Candidate, p: RoutingPolicy, x: ScoreInputs, need: RequestNeeds, applyKind: boolean): string | null {
  const f = p.filters;
  const facts = x.facts(c.model.id);
  if (applyKind && modelKind(c.model, facts) !== need.kind) return `not a ${need.kind} model`;
  if (f.hosts?.length && !f.hosts.includes(c.host.id)) return 'host not in filters.hosts';
  if (f.models?.length && !f.models.some((g) => glob(g, c.model.id))) return 'model not in filters.models';
  if (f.hostTags?.length) {
    const tags = x.hostTags(c.host.id);
    const missing = f.hostTags.filter((t) => !tags.includes(t));
    if (missing.length) return `host lacks tag ${missing.join(', ')}`;
  }
  const ctx = facts.contextLength ?? c.model.contextLength;
  if (f.minContext && !(ctx !== null && ctx !== undefined && ctx >= f.minContext)) return `context ${ctx ?? 'unknown'} < ${f.minContext}`;
  if (ctx && need.tokens > ctx) return `request ≈ ${need.tokens} tokens > context ${ctx}`;
  if (f.tools && facts.tools !== true) return 'no tool support (routing file models.<id>.tools)';
  if (need.tools && facts.tools === false) return 'the request has tools; the model has no tool support';
  return null;
}

/** Scores every candidate under a policy; filtered ones get score null. Sorted best first. */
export function scoreAll(cands: readonly Candidate[], p: RoutingPolicy, x: ScoreInputs, need: RequestNeeds, applyKind: boolean): RoutingScore[] {
  const rows = cands.map((c) => {
    const hostId = c.host.id;
    const model = c.model.id;
    const inflight = x.inflight(hostId, model);
    const hostInflight = Math.max(inflight, x.hostInflight(hostId));
    const speed = x.speed(hostId, model, inflight);
    const loaded = c.model.state === 'ready';
    const swapMs = loaded ? null : (x.loadMs(hostId, model) ?? DEFAULT_SWAP_MS);
    const evicts = loaded ? [] : c.host.models.filter((m) => m.state === 'ready' && m.id !== model).map((m) => m.id);
    const q = x.quality(model, p.category ?? null) ?? null;
    const errorRate = x.errorRate(hostId);
    const coolingDown = x.coolingDown(hostId);
    const facts = x.facts(model);
    const filteredBy = filterReason(c, p, x, need, applyKind);
    let residency = 1;
    if (c.model.state === 'starting') residency = 0.6;
    else if (!loaded) residency = (0.3 / (1 + (swapMs ?? DEFAULT_SWAP_MS) / 10_000)) * (evicts.length > 0 && hostInflight > 0 ? 0.5 : 1);
    const e2e = speed.ttftMs !== null || speed.tpotMs !== null ? (speed.ttftMs ?? 0) + (speed.tpotMs ?? 0) * TYPICAL_OUTPUT : null;
    return {
      e2e,
      row: {
        hostId,
        model,
        state: c.model.state,
        score: null as number | null,
        filteredBy,
        components: {
          quality: q ? Math.max(0, Math.min(1, q.score / 100)) : 0.5,
          speed: 0.5,
          residency,
          load: 1 / (1 + inflight + 0.5 * (hostInflight - inflight)),
          reliability: coolingDown ? 0 : 1 - errorRate,
        },
        inputs: {
          quality: q,
          predictedTtftMs: speed.ttftMs,
          predictedTpotMs: speed.tpotMs,
          speedSource: speed.source,
          benchRunId: speed.runId,
          inflight,
          hostInflight,
          loaded,
          swapMs,
          evicts,
          errorRate,
          coolingDown,
          leased: x.leased(hostId),
          contextLength: facts.contextLength ?? c.model.contextLength,
        },
      } satisfies RoutingScore,
    };
  });
  // Speed is relative: the fastest predicted candidate gets 1, the others best/own.
  const best = Math.min(...rows.map((r) => r.e2e ?? Infinity).filter((v) => v > 0));
  const w = p.weights;
  const sum = w.quality + w.speed + w.residency + w.load + w.reliability;
  for (const r of rows) {
    if (r.e2e !== null && Number.isFinite(best)) r.row.components.speed = r.e2e > 0 ? Math.min(1, best / r.e2e) : 1;
    if (r.row.filteredBy) continue;
    const c = r.row.components;
    const total = w.quality * c.quality + w.speed * c.speed + w.residency * c.residency + w.load * c.load + w.reliability * c.reliability;
    r.row.score = sum > 0 ? Math.round((1000 * total) / sum) / 10 : 50;
  }
  return rows.map((r) => r.row).sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.hostId.localeCompare(b.hostId) || a.model.localeCompare(b.model));
}
