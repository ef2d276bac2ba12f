import { randomUUID } from 'node:crypto';
import type { Alert, AlertRule, HostSummary, Silence } from '@boocontrol/contracts';
import type { EventBus } from '../events/bus';
import type { AlertsRepo, StoredAlert } from './alerts.repo';
import { evaluate, type Candidate } from './conditions';
import type { Notifier } from './notifier';
import type { AlertObserver } from './observer';

export interface AlertEngineDeps {
  repo: AlertsRepo;
  rules: readonly AlertRule[];
  observer: AlertObserver;
  notifier: Notifier;
  bus: EventBus;
  hosts(): readonly HostSummary[];
  /** host × model → TTFT p95 of the latest benchmark, refreshed now and then. */
  baselines(): Promise<Map<string, number>>;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  evalEveryMs?: number;
  baselineEveryMs?: number;
  now?: () => Date;
}

const silences = (s: readonly Silence[], c: Candidate, now: number) =>
  s.some((x) => Date.parse(x.startsAt) <= now && Date.parse(x.endsAt) > now && (x.rule === null || x.rule === c.rule.id) && (x.hostId === null || x.hostId === c.hostId));

/**
 * Evaluates the rules every few seconds. A condition that starts holding fires one alert
 * (a row, a bus event, one notification per channel); while it keeps holding nothing more is
 * sent (deduplicated by fingerprint); when it stops holding the alert resolves (and that is
 * notified too). Firing alerts are reloaded at start, so a restart neither re-notifies nor
 * forgets to resolve. A silenced alert is recorded and shown, never notified.
 */
export class AlertEngine {
  private readonly active = new Map<string, StoredAlert>();
  private readonly hotSince = new Map<string, number>();
  private silenceList: Silence[] = [];
  private baselineMap = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;
  private readonly longestWindowMs: number;

  constructor(private readonly deps: AlertEngineDeps) {
    this.now = deps.now ?? (() => new Date());
    this.longestWindowMs = Math.max(60_000, ...deps.rules.map((r) => ('windowS' in r ? r.windowS * 1000 : 0)));
  }

  firing(): Alert[] {
    return [...this.active.values()].map(publicAlert).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  get rules(): readonly AlertRule[] {
    return this.deps.rules;
  }

  async start(): Promise<void> {
    for (const a of await this.deps.repo.firing()) this.active.set(a.fingerprint, a);
    await this.refreshSilences();
    await this.refreshBaselines();
    const guard = (what: string, fn: () => Promise<unknown>) => () => {
      this.chain = this.chain.then(fn).catch((err: unknown) => this.deps.log.warn({ error: (err as Error).message }, `${what} failed; will retry`));
    };
    this.timers.push(setInterval(guard('alert evaluation', () => this.evaluate()), this.deps.evalEveryMs ?? 5000));
    this.timers.push(setInterval(guard('alert baselines', () => this.refreshBaselines()), this.deps.baselineEveryMs ?? 300_000));
    for (const t of this.timers) t.unref();
    this.deps.notifier.start();
  }

  async refreshBaselines(): Promise<void> {
    this.baselineMap = await this.deps.baselines();
  }

  async refreshSilences(): Promise<void> {
    this.silenceList = await this.deps.repo.activeSilences(this.now());
  }

  /** One evaluation pass (also what tests call to step the engine). Serialized with the timer's. */
  tick(): Promise<void> {
    const run = this.chain.then(() => this.evaluate());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async evaluate(): Promise<void> {
    const now = this.now();
    const t = now.getTime();
    this.deps.observer.prune(t, this.longestWindowMs);
    const held = evaluate(this.deps.rules, { now: t, hosts: this.deps.hosts(), observer: this.deps.observer, baselines: this.baselineMap, hotSince: this.hotSince });
    const seen = new Set<string>();
    for (const c of held) {
      seen.add(c.fingerprint);
      if (!this.active.has(c.fingerprint)) await this.fire(c, now);
    }
    for (const [fp, a] of [...this.active]) if (!seen.has(fp)) await this.resolve(a, now);
  }

  private async fire(c: Candidate, now: Date): Promise<void> {
    const a: StoredAlert = {
      id: randomUUID(),
      rule: c.rule.id,
      kind: c.rule.kind,
      severity: c.rule.severity,
      fingerprint: c.fingerprint,
      hostId: c.hostId,
      subject: c.subject,
      summary: c.summary,
      value: c.value,
      state: 'firing',
      silenced: silences(this.silenceList, c, now.getTime()),
      startedAt: now.toISOString(),
      resolvedAt: null,
    };
    // Another control on the same database may have fired it first: then it is its to notify.
    if (!(await this.deps.repo.insertFiring(a))) {
      const theirs = (await this.deps.repo.firing()).find((x) => x.fingerprint === c.fingerprint);
      if (theirs) this.active.set(c.fingerprint, theirs);
      return;
    }
    this.active.set(c.fingerprint, a);
    this.deps.log.warn({ alert: a.id, rule: a.rule, host: a.hostId, subject: a.subject, silenced: a.silenced }, `alert firing: ${a.summary}`);
    this.deps.bus.publish({ type: 'alert.changed', alert: publicAlert(a) });
    if (!a.silenced) await this.deps.notifier.enqueue(publicAlert(a), 'firing');
  }

  private async resolve(a: StoredAlert, now: Date): Promise<void> {
    this.active.delete(a.fingerprint);
    if (!(await this.deps.repo.resolve(a.id, now))) return; // resolved elsewhere already
    const done: StoredAlert = { ...a, state: 'resolved', resolvedAt: now.toISOString() };
    this.deps.log.info({ alert: a.id, rule: a.rule, host: a.hostId }, 'alert resolved');
    this.deps.bus.publish({ type: 'alert.changed', alert: publicAlert(done) });
    if (!a.silenced) await this.deps.notifier.enqueue(publicAlert(done), 'resolved');
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.chain;
    await this.deps.notifier.stop();
    this.deps.observer.close();
  }
}

export function publicAlert(a: StoredAlert): Alert {
  const { fingerprint: _fp, ...rest } = a;
  return rest;
}
