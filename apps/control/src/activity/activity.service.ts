import type { ActivityRow, ActivityRowLive, ActivityStats, ActivityListQuery, ActivityPage, ActivityStatsQuery } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { ActivityRepo, ActivitySort, StoredActivity } from './activity.repo';

export function toActivityRow(r: StoredActivity): ActivityRow {
  return {
    id: String(r.id),
    hostId: r.hostId,
    epoch: r.epoch,
    upstreamId: r.upstreamId,
    ts: r.ts.toISOString(),
    model: r.model,
    path: r.path,
    status: r.status,
    contentType: r.contentType,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheTokens: r.cacheTokens,
    draftTokens: r.draftTokens,
    draftAccTokens: r.draftAccTokens,
    promptTps: r.promptTps,
    genTps: r.genTps,
    ttftMs: r.ttftMs,
    promptMs: r.promptMs,
    durationMs: r.durationMs,
    error: r.error,
    hasCapture: r.hasCapture,
  };
}

const SORT_VALUE: Record<ActivitySort, (r: StoredActivity) => string | number> = {
  ts: (r) => r.ts.toISOString(),
  duration: (r) => r.durationMs,
  ttft: (r) => r.ttftMs ?? -1,
  inputTokens: (r) => r.inputTokens,
  outputTokens: (r) => r.outputTokens,
  promptTps: (r) => r.promptTps ?? -1,
  genTps: (r) => r.genTps ?? -1,
};

function encodeCursor(sort: ActivitySort, r: StoredActivity): string {
  return Buffer.from(JSON.stringify({ s: sort, v: SORT_VALUE[sort](r), id: r.id })).toString('base64url');
}

function decodeCursor(sort: ActivitySort, cursor: string): { v: string | number; id: number } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: string; v?: unknown; id?: unknown };
    if (c.s !== sort || (typeof c.v !== 'string' && typeof c.v !== 'number') || typeof c.id !== 'number') throw new Error('shape');
    return { v: c.v, id: c.id };
  } catch {
    throw new AppError('VALIDATION', 'invalid cursor (it belongs to another sort, or was altered)');
  }
}

/**
 * Activity: history queries and the `activity` live topic. The topic's snapshot is the newest
 * rows kept in memory; its events carry rows right after the writer stored them, so every
 * request appears live once and only once (duplicates never get past the UNIQUE key).
 */
export class ActivityService {
  private recent: ActivityRowLive[] = [];

  constructor(
    private readonly repo: ActivityRepo,
    private readonly recentMax = 200,
  ) {}

  /** The newest rows, newest first: the live stream's snapshot. */
  recentRows(): readonly ActivityRowLive[] {
    return this.recent;
  }

  /** Seeds the live snapshot from the database (after a restart the table is not empty). Newest first. */
  async load(): Promise<void> {
    const rows = await this.repo.latest(this.recentMax);
    this.recent = rows.map(toActivityRow);
  }

  /** Adds newly stored rows to the snapshot; returns them as the live stream lists them (newest first). */
  remember(rows: readonly StoredActivity[]): ActivityRowLive[] {
    const live: ActivityRowLive[] = rows.map(toActivityRow).reverse();
    this.recent = live.concat(this.recent);
    if (this.recent.length > this.recentMax) this.recent = this.recent.slice(0, this.recentMax);
    return live;
  }

  async list(q: ActivityListQuery): Promise<ActivityPage> {
    const sort = q.sort;
    const rows = await this.repo.page({
      ...(q.host ? { hosts: q.host } : {}),
      ...(q.model ? { models: q.model } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      ...(q.q ? { text: q.q } : {}),
      ...(q.consumer?.length ? { consumers: q.consumer } : {}),
      ...(q.session ? { session: q.session } : {}),
      sort,
      order: q.order,
      limit: q.limit + 1,
      ...(q.cursor ? { after: decodeCursor(sort, q.cursor) } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const via = await this.repo.gatewayOf(page.map((r) => r.id));
    return { rows: page.map((r) => ({ ...toActivityRow(r), gateway: via.get(r.id) ?? null })), nextCursor: rows.length > q.limit && last ? encodeCursor(sort, last) : null };
  }

  async get(id: number): Promise<ActivityRow> {
    const r = await this.repo.get(id);
    if (!r) throw new AppError('NOT_FOUND', `no activity row ${id}`);
    return toActivityRow(r);
  }

  async stats(q: ActivityStatsQuery): Promise<ActivityStats> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3600_000);
    const groups = await this.repo.stats({ from, to, ...(q.host ? { hosts: q.host } : {}), ...(q.model ? { models: q.model } : {}) });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      groups: groups.map((g) => ({
        hostId: g.hostId,
        model: g.model,
        count: g.count,
        errors: g.errors,
        inputTokens: g.inputTokens,
        outputTokens: g.outputTokens,
        promptTps: g.promptP50 === null ? null : { p50: g.promptP50, p95: g.promptP95 ?? g.promptP50 },
        genTps: g.genP50 === null ? null : { p50: g.genP50, p95: g.genP95 ?? g.genP50 },
        ttftMs: g.ttftP50 === null ? null : { p50: g.ttftP50, p95: g.ttftP95 ?? g.ttftP50 },
        cacheHits: g.cacheHits,
        cacheTokens: g.cacheTokens,
        lastTs: g.lastTs.toISOString(),
      })),
    };
  }
}
