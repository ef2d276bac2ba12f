import type { Alert, NotifyChannel } from '@boocontrol/contracts';
import type { AlertsRepo, DueDelivery } from './alerts.repo';

export interface NotifierDeps {
  repo: AlertsRepo;
  channels: readonly NotifyChannel[];
  attempts: number;
  backoffMs: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** How often due retries are looked for (default 1 s); a new alert wakes the loop at once. */
  pollMs?: number;
  timeoutMs?: number;
  now?: () => Date;
}

const MAX_BACKOFF_MS = 300_000;
const PRIORITY: Record<Alert['severity'], string> = { info: 'default', warning: 'high', critical: 'urgent' };

/** Why a send failed, without the URL (it may carry a token in its path) or any header. */
function reason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Delivers alert notifications to webhooks and ntfy. Each (alert, channel, event) is a row:
 * a send that fails is retried with doubling backoff up to `attempts`, and rows left pending by a
 * stopped control are picked up by the next one. Secrets (headers, tokens) stay in memory.
 */
export class Notifier {
  private readonly byName: Map<string, NotifyChannel>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly deps: NotifierDeps) {
    this.byName = new Map(deps.channels.map((c) => [c.name, c]));
    this.now = deps.now ?? (() => new Date());
  }

  get channelNames(): string[] {
    return [...this.byName.keys()];
  }

  async enqueue(alert: Alert, event: Alert['state']): Promise<void> {
    await this.deps.repo.addDeliveries(alert.id, this.channelNames, event);
    this.kick();
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  /** Runs a delivery pass now (one at a time; a kick during a pass runs another after it). */
  kick(): void {
    if (this.stopped || this.byName.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, 'alert delivery pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pass(): Promise<void> {
    for (const d of await this.deps.repo.due(this.now(), 50)) {
      if (this.stopped) return;
      await this.deliver(d);
    }
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const ch = this.byName.get(d.channel);
    const { repo } = this.deps;
    if (!ch) {
      // The channel left the alerts file since the row was written: nothing to retry.
      await repo.markFailed(d.alert.id, d.channel, d.event, 'channel no longer configured', null);
      return;
    }
    try {
      const res = await this.send(ch, d.alert, d.event);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      await repo.markSent(d.alert.id, d.channel, d.event, this.now());
    } catch (err) {
      const attempt = d.attempts + 1;
      const giveUp = attempt >= this.deps.attempts;
      const next = giveUp ? null : new Date(this.now().getTime() + Math.min(MAX_BACKOFF_MS, this.deps.backoffMs * 2 ** (attempt - 1)));
      await repo.markFailed(d.alert.id, d.channel, d.event, reason(err), next);
      const log = { channel: ch.name, alert: d.alert.id, event: d.event, attempt, error: reason(err) };
      if (giveUp) this.deps.log.warn(log, 'alert notification given up');
      else if (attempt === 1) this.deps.log.info(log, 'alert notification failed; retrying');
    }
  }

  private async send(ch: NotifyChannel, alert: Alert, event: Alert['state']): Promise<Response> {
    const signal = AbortSignal.timeout(this.deps.timeoutMs ?? 5000);
    if (ch.kind === 'webhook') {
      const res = await fetch(ch.url, {
        method: 'POST',
        headers: { ...ch.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ event, alert, source: 'boocontrol' }),
        signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      return res;
    }
    const title = `${event === 'firing' ? 'FIRING' : 'RESOLVED'}: ${alert.rule}${alert.hostId ? ` on ${alert.hostId}` : ''}`;
    const res = await fetch(`${ch.url.replace(/\/+$/, '')}/${ch.topic}`, {
      method: 'POST',
      headers: {
        // ntfy reads headers as latin-1: keep the title ASCII.
        title: title.replace(/[^\x20-\x7e]/g, '?'),
        priority: event === 'firing' ? PRIORITY[alert.severity] : 'default',
        tags: event === 'firing' ? 'warning' : 'white_check_mark',
        ...(ch.token ? { authorization: `Bearer ${ch.token}` } : {}),
      },
      body: alert.summary,
      signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    return res;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }
}
