import { randomUUID } from 'node:crypto';
import { CompareReportSchema, ResidencyReportSchema, UsageReportSchema, type StoredReport } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { sleep } from '../lib/backoff';
import type { AnyReport } from './export';
import type { ReportServices } from './reports.routes';
import type { SavedReportsRepo } from './saved.repo';

const DAY = 86_400_000;
const GRACE_MS = 10 * 60_000;

export interface SavedReportsDeps {
  repo: SavedReportsRepo;
  reports: ReportServices;
  /** REPORTS_WEBHOOK_URL: each scheduled report is POSTed there as JSON. */
  webhookUrl?: string | undefined;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  now?: () => Date;
  /** Backoff of the webhook retries (3 attempts). */
  retryMs?: number;
}

/** The UTC day before `now`, and the ISO week (Monday 00:00 UTC) before the current one. */
export function periods(now: Date): { daily: { from: Date; to: Date }; weekly: { from: Date; to: Date } } {
  const today = Math.floor(now.getTime() / DAY) * DAY;
  const dow = (new Date(today).getUTCDay() + 6) % 7; // Monday = 0
  const monday = today - dow * DAY;
  return { daily: { from: new Date(today - DAY), to: new Date(today) }, weekly: { from: new Date(monday - 7 * DAY), to: new Date(monday) } };
}

/**
 * Stored reports: a usage report per UTC day and per ISO week, generated once their period is
 * over (checked every few minutes; the unique index on kind × schedule × period makes a second
 * control or a restart harmless), and reports made by hand. Optionally posted to a webhook.
 */
export class SavedReportsService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly deps: SavedReportsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  list(): Promise<StoredReport[]> {
    return this.deps.repo.list(200);
  }

  async get(id: string): Promise<{ meta: StoredReport; report: AnyReport }> {
    const row = await this.deps.repo.get(id);
    if (!row) throw new AppError('NOT_FOUND', `no saved report "${id}"`);
    const schema = row.kind === 'usage' ? UsageReportSchema : row.kind === 'residency' ? ResidencyReportSchema : CompareReportSchema;
    const { body, ...meta } = row;
    return { meta, report: schema.parse(body) };
  }

  /** Generates a report now (manual: the last 24 h) and stores it. */
  async generate(kind: StoredReport['kind'], schedule: 'daily' | 'weekly' | 'manual', range?: { from: Date; to: Date }): Promise<StoredReport | null> {
    const r = range ?? { from: new Date(this.now().getTime() - DAY), to: this.now() };
    const q = { from: r.from.toISOString(), to: r.to.toISOString() };
    const report: AnyReport =
      kind === 'usage' ? await this.deps.reports.usage.usage({ ...q, groupBy: 'host' }) : kind === 'residency' ? await this.deps.reports.residency.residency(q) : await this.deps.reports.compare.compare({});
    // A scheduled period with nothing in it (a fresh install, a fleet switched off) is not stored.
    if (schedule !== 'manual' && report.kind === 'usage' && report.rows.length === 0) return null;
    const title = `${kind} ${schedule === 'manual' ? '' : `${schedule} `}${q.from.slice(0, 10)}${schedule === 'weekly' ? ` – ${q.to.slice(0, 10)}` : ''}`.replace(/\s+/g, ' ');
    const row = { id: randomUUID(), kind, title, schedule, from: q.from, to: q.to, createdAt: this.now().toISOString(), delivery: this.deps.webhookUrl && schedule !== 'manual' ? ('failed' as const) : ('none' as const), body: report };
    // Stored as 'failed' until the post succeeds: a crash mid-post leaves an honest status.
    if (!(await this.deps.repo.insert(row))) return null;
    if (this.deps.webhookUrl && schedule !== 'manual') await this.post(row.id, report);
    const { body: _b, ...meta } = row;
    return (await this.deps.repo.get(meta.id)) ?? meta;
  }

  private async post(id: string, report: AnyReport): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetch(this.deps.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'boocontrol', report }), signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          await this.deps.repo.setDelivery(id, 'sent');
          return;
        }
      } catch {
        /* retried below */
      }
      if (attempt < 3) await sleep((this.deps.retryMs ?? 5000) * 2 ** (attempt - 1));
    }
    this.deps.log.warn({ report: id }, 'report webhook failed after 3 attempts');
  }

  /** Stores the daily and weekly reports whose period ended and that are not stored yet. */
  async runDue(): Promise<number> {
    const p = periods(this.now());
    let n = 0;
    for (const [schedule, range] of [['daily', p.daily], ['weekly', p.weekly]] as const) {
      // A grace period: rows of the period's last minutes reach the rollups within a pass or two.
      if (this.now().getTime() < range.to.getTime() + GRACE_MS) continue;
      if (await this.deps.repo.exists('usage', schedule, range.from)) continue;
      if (await this.generate('usage', schedule, range)) n++;
    }
    return n;
  }

  start(everyMs = 5 * 60_000): void {
    const tick = () => {
      this.running = this.running.then(() => this.runDue()).catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, 'scheduled reports failed; will retry'));
    };
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
