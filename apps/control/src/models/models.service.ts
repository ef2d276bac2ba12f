import { fleetModelRow } from '@boocontrol/contracts';
import type { FleetModel, ModelList, TransitionList } from '@boocontrol/contracts';
import type { ActivityRepo } from '../activity/activity.repo';
import type { FleetState } from '../fleet/fleet-state';
import { AppError } from '../lib/errors';
import type { LoadStatsRepo, TransitionsRepo } from './transitions.repo';

/**
 * Every model in the fleet: where it is, its live state (fleet state) and how it has been used
 * (stored activity and transitions). Also the one place other features ask "which models exist"
 * (e.g. the actions feature resolving a model name to hosts).
 */
export class ModelsService {
  constructor(
    private readonly fleet: FleetState,
    private readonly activity: ActivityRepo,
    private readonly transitionsRepo: TransitionsRepo,
    private readonly loads: LoadStatsRepo,
  ) {}

  /** Live models only (no database): cheap, for resolving names. */
  live(hostId?: string): Array<{ hostId: string; id: string; state: string; aliases: string[] }> {
    return this.fleet
      .list()
      .filter((h) => !hostId || h.id === hostId)
      .flatMap((h) => h.models.map((m) => ({ hostId: h.id, id: m.id, state: m.state, aliases: m.aliases })));
  }

  async list(q: { host?: string; days: number }, now = new Date()): Promise<ModelList> {
    const since = new Date(now.getTime() - q.days * 86_400_000);
    const hosts = this.fleet.list().filter((h) => !q.host || h.id === q.host);
    if (q.host && hosts.length === 0) throw new AppError('NOT_FOUND', `no host "${q.host}"`);
    const [stats, loads] = await Promise.all([
      this.activity.stats({ from: since, ...(q.host ? { hosts: [q.host] } : {}) }),
      this.loads.medianLoads(since),
    ]);
    const statOf = new Map(stats.map((s) => [`${s.hostId}/${s.model}`, s]));
    const loadOf = new Map(loads.map((l) => [`${l.hostId}/${l.model}`, l.medianLoadMs]));
    const models: FleetModel[] = [];
    for (const h of hosts) {
      for (const m of h.models) {
        const key = `${h.id}/${m.id}`;
        const s = statOf.get(key);
        models.push(
          fleetModelRow(h, m, {
            lastUsedAt: s ? s.lastTs.toISOString() : null,
            requests: s?.count ?? 0,
            errors: s?.errors ?? 0,
            medianPromptTps: s?.promptP50 ?? null,
            medianGenTps: s?.genP50 ?? null,
            medianLoadMs: loadOf.get(key) ?? null,
          }),
        );
      }
    }
    return { models, since: since.toISOString() };
  }

  async transitions(hostId: string, q: { model?: string; from?: string; to?: string; limit: number }): Promise<TransitionList> {
    if (!this.fleet.get(hostId)) throw new AppError('NOT_FOUND', `no host "${hostId}"`);
    const rows = await this.transitionsRepo.list(hostId, {
      limit: q.limit,
      ...(q.model ? { model: q.model } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
    });
    return { transitions: rows.map((t) => ({ id: String(t.id), hostId: t.hostId, model: t.model, from: t.from, to: t.to, at: t.at.toISOString(), loadMs: t.loadMs })) };
  }
}
