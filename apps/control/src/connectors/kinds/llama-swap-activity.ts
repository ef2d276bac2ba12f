import type { HostHttp } from '../http';
import type { ActivityCursor, ActivityRecord, ConnectorDeps } from '../types';
import { DropLedger } from './drop-ledger';
import { fingerprint, mapActivity } from './llama-swap-map';
import { ActivityEntrySchema, ActivityPageSchema, LegacyMetricsSchema } from './llama-swap-wire';

export interface ActivitySession {
  http: HostHttp;
  signal: AbortSignal;
  /** v236+ activity API; otherwise the legacy `metrics` arrays and GET /api/metrics. */
  activityApi: boolean;
}

const PAGE = 999;

/**
 * Keeps our place in one host's activity ids and turns the host's activity into rows, each
 * exactly once per (host, epoch, upstream id):
 *
 * - v236+: an `activity {id}` event only says "something new"; rows are paged with
 *   `min_id=<last+1>&sort=id&order=asc`. Events that arrive while a page is in flight just ask
 *   for one more pass, so a burst costs a handful of requests.
 * - legacy: the SSE `metrics` array (a snapshot first, then one-element arrays) carries rows.
 *
 * Restarts: llama-swap's in-memory store restarts ids at 1, so after every (re)connect we
 * check that the row we saw last still is the same row (same fingerprint). If the host has
 * fewer ids than we saw, or that id now holds another row, the host restarted: a new epoch
 * begins and rows are keyed under it. All work runs on one serial chain, so the epoch bump can
 * never interleave with a page being stored.
 */
export class ActivityTracker {
  private cursor: ActivityCursor | undefined;
  private session: ActivitySession | undefined;
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private again = false;
  private needsCheck = false;
  private readonly drops = new DropLedger();
  private catchingUp = false;
  lastError: string | null = null;

  /**
   * `onDropsDetected` is called when the stream dropped events silently (see DropLedger): then
   * in-flight and model state may be stale too, and the connector re-syncs.
   */
  constructor(
    private readonly deps: ConnectorDeps,
    private readonly onDropsDetected: (why: string) => void = () => undefined,
  ) {}

  get epoch(): number | undefined {
    return this.cursor?.epoch;
  }

  /** A new connection: verify continuity before storing anything from it. */
  attach(session: ActivitySession): void {
    this.session = session;
    this.needsCheck = true;
    this.drops.reset();
    this.catchingUp = true;
    if (session.activityApi) this.requestSync();
  }

  detach(): void {
    this.session = undefined;
  }

  /** v236+ `activity {id}`. */
  onActivityEvent(id: number): void {
    this.drops.announce(id);
    this.requestSync();
  }

  /** Periodic reconciliation: pick up rows whose events were dropped silently. */
  reconcile(): void {
    const s = this.session;
    if (!s) return;
    const dropped = this.drops.takeDrops();
    if (dropped) {
      this.onDropsDetected(dropped);
      return;
    }
    this.enqueue(async () => {
      if (s.activityApi) await this.syncOnce();
      else await this.legacyReconcile();
      if (this.catchingUp || this.session !== s) return;
      const last = this.cursor?.lastId ?? null;
      if (last === null) return;
      // v236+ stores number from 1, the legacy in-memory store from 0
      this.drops.audit(last, s.activityApi ? 1 : 0);
    });
  }

  /** Legacy SSE `metrics` payload (array of records). */
  onLegacyMetrics(raw: unknown): void {
    const check = this.needsCheck;
    this.needsCheck = false;
    // The snapshot of a fresh connection covers the past; only later arrays are announcements.
    if (check) this.drops.reset();
    if (Array.isArray(raw)) {
      let max = -1;
      for (const r of raw) {
        const id = (r as { id?: unknown } | null)?.id;
        if (typeof id !== 'number') continue;
        if (check) max = Math.max(max, id);
        else this.drops.announce(id);
      }
      if (check) this.drops.settle(max);
    }
    this.catchingUp = false;
    this.enqueue(() => this.legacyApply(raw, check ? 'full' : 'live'));
  }

  /** Resolves when queued work is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  private requestSync(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    // A short pause lets a burst of events share one page request: under load every event
    // would otherwise cost the host a request of its own.
    const debounce = this.deps.timings.activityDebounceMs;
    this.enqueue(async () => {
      try {
        if (debounce > 0) await new Promise((r) => setTimeout(r, debounce));
        this.again = false;
        await this.syncOnce();
      } finally {
        this.running = false;
        // Events that came in meanwhile get one more pass, queued behind whatever else waits
        // (a reconciliation must not starve under sustained load).
        if (this.again && this.session) {
          this.again = false;
          this.requestSync();
        }
      }
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(job).catch((err: unknown) => {
      if ((err as { kind?: string }).kind === 'aborted') return;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.deps.count('connector.activity.errors');
      this.deps.log.warn({ host: this.deps.target.id, error: this.lastError }, 'activity fetch failed; will retry on the next event or reconciliation');
    });
  }

  private async ensureCursor(): Promise<ActivityCursor> {
    if (!this.cursor) this.cursor = await this.deps.cursors.load(this.deps.target.id);
    return this.cursor;
  }

  private async syncOnce(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const cur = await this.ensureCursor();
    if (this.needsCheck) {
      // cleared only once the check succeeded: a failed check is retried by the next pass
      await this.checkContinuity(s, cur);
      this.needsCheck = false;
    }
    for (;;) {
      const from = (this.cursor!.lastId ?? 0) + 1;
      const raw = await this.fetchPage(s, `min_id=${from}&sort=id&order=asc&limit=${PAGE}`);
      const rows = this.parseRows(raw, from);
      this.store(rows.records, rows.maxRawId);
      this.lastError = null;
      if (raw.length < PAGE || s.signal.aborted) break;
    }
    if (this.catchingUp) {
      // Rows from before this connection are never announced on it: they count as seen.
      this.catchingUp = false;
      this.drops.settle(this.cursor!.lastId ?? -1);
    }
  }

  private async checkContinuity(s: ActivitySession, cur: ActivityCursor): Promise<void> {
    if (cur.lastId === null) return;
    const latest = this.parseRows(await this.fetchPage(s, 'limit=1&sort=id&order=desc'), 0).records[0];
    if (!latest || latest.upstreamId < cur.lastId) {
      return this.newEpoch(`activity ids went back (host has ${latest?.upstreamId ?? 'none'}, we stored up to ${cur.lastId})`);
    }
    if (cur.lastFingerprint === null || cur.lastId < 1) return;
    const same = this.parseRows(await this.fetchPage(s, `min_id=${cur.lastId}&max_id=${cur.lastId}&limit=1`), 0).records[0];
    // A missing row means the host's store pruned it (more than its in-memory cap since): ids
    // kept growing, so this is the same process.
    if (same && fingerprint(same) !== cur.lastFingerprint) {
      return this.newEpoch(`activity id ${cur.lastId} now holds a different request`);
    }
  }

  private async newEpoch(reason: string): Promise<void> {
    const epoch = await this.deps.cursors.bumpEpoch(this.deps.target.id);
    this.cursor = { epoch, lastId: null, lastFingerprint: null };
    this.drops.reset();
    this.deps.count('connector.restarts');
    this.deps.log.info({ host: this.deps.target.id, epoch, reason }, 'host restart detected; new epoch');
    this.deps.emit({ type: 'epoch', epoch, reason });
  }

  private async fetchPage(s: ActivitySession, query: string): Promise<unknown[]> {
    const { json } = await s.http.getJson(`/api/metrics/activity?${query}`, { timeoutMs: this.deps.timings.requestTimeoutMs, signal: s.signal });
    const page = ActivityPageSchema.safeParse(json);
    if (!page.success) {
      this.rejected('activity page', page.error.message);
      return [];
    }
    return page.data.data ?? [];
  }

  /** Validates rows one by one: one bad row is counted and skipped, the rest still count. */
  private parseRows(raw: unknown[], minId: number): { records: ActivityRecord[]; maxRawId: number | null } {
    const records: ActivityRecord[] = [];
    let maxRawId: number | null = null;
    for (const item of raw) {
      const rawId = (item as { id?: unknown } | null)?.id;
      if (typeof rawId === 'number' && Number.isInteger(rawId)) maxRawId = Math.max(maxRawId ?? rawId, rawId);
      const p = ActivityEntrySchema.safeParse(item);
      const rec = p.success ? mapActivity(p.data) : undefined;
      if (!rec) {
        this.rejected('activity row', p.success ? 'bad timestamp' : p.error.message);
        continue;
      }
      if (rec.upstreamId >= minId) records.push(rec);
    }
    records.sort((a, b) => a.upstreamId - b.upstreamId);
    return { records, maxRawId };
  }

  /** Emits rows newer than the cursor and advances it (past invalid rows too, so they are not refetched forever). */
  private store(records: ActivityRecord[], maxRawId: number | null): void {
    const cur = this.cursor!;
    const last = cur.lastId;
    const fresh = last === null ? records : records.filter((r) => r.upstreamId > last);
    if (fresh.length > 0) {
      const tail = fresh[fresh.length - 1]!;
      cur.lastId = tail.upstreamId;
      cur.lastFingerprint = fingerprint(tail);
      this.deps.emit({ type: 'activity', epoch: cur.epoch, rows: fresh });
    }
    if (maxRawId !== null && (cur.lastId === null || maxRawId > cur.lastId)) {
      cur.lastId = maxRawId;
      cur.lastFingerprint = null;
    }
  }

  private async legacyApply(raw: unknown, mode: 'full' | 'live' | 'reconcile'): Promise<void> {
    const arr = LegacyMetricsSchema.safeParse(raw);
    if (!arr.success) return this.rejected('metrics array', arr.error.message);
    const cur = await this.ensureCursor();
    const { records, maxRawId } = this.parseRows(arr.data, Number.MIN_SAFE_INTEGER);
    if (mode !== 'live' && cur.lastId !== null) {
      const maxId = maxRawId;
      if (maxId === null ? mode === 'full' : maxId < cur.lastId) {
        await this.newEpoch(`activity ids went back (host has ${maxId ?? 'none'}, we stored up to ${cur.lastId})`);
      } else if (mode === 'full' && cur.lastFingerprint !== null) {
        const same = records.find((r) => r.upstreamId === cur.lastId);
        if (same && fingerprint(same) !== cur.lastFingerprint) await this.newEpoch(`activity id ${cur.lastId} now holds a different request`);
      }
    }
    this.store(records, maxRawId);
  }

  private async legacyReconcile(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const { json } = await s.http.getJson('/api/metrics', { timeoutMs: this.deps.timings.requestTimeoutMs, signal: s.signal });
    await this.legacyApply(json, 'reconcile');
  }

  private rejected(what: string, detail: string): void {
    this.deps.count('connector.invalidPayloads');
    this.deps.log.warn({ host: this.deps.target.id, what, detail: detail.slice(0, 500) }, 'invalid payload from host ignored');
  }
}
