import { randomUUID } from 'node:crypto';
import { AppError } from '../lib/errors';
import type { EventBus } from '../events/bus';
import type { LeaseRepo, LeaseRow } from './lease.repo';

export interface LeaseOptions {
  /** Who holds it, within this process (a job id); the process id is added. */
  holder: string;
  /** What for: `bench`, `eval`… (shown to whoever is refused). */
  purpose: string;
  /** How long a grant lasts unless renewed (default 15 s); renewed every third of it. */
  ttlMs?: number;
}

/** A held lease. `signal` aborts when the lease is lost (renewal failed): the holder must stop. */
export interface LeaseHandle {
  readonly hostId: string;
  readonly token: number;
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * The fleet lease: one holder per host across every control process sharing the database, with
 * an expiry the holder renews and a fencing token that grows on every grant. Benchmarks hold it
 * while they measure; evals and the gateway ask whether a host is held.
 */
export class LeaseService {
  /** Identifies this control process in lease owners. */
  readonly processId = randomUUID();

  constructor(
    private readonly repo: LeaseRepo,
    private readonly bus: EventBus,
    private readonly onRenewError?: (err: unknown, hostId: string) => void,
  ) {}

  /** Takes a host's lease or throws LEASE_HELD naming the holder's purpose. */
  async acquire(hostId: string, o: LeaseOptions): Promise<LeaseHandle> {
    const ttlMs = o.ttlMs ?? 15_000;
    const owner = `${this.processId}/${o.holder}`;
    const row = await this.repo.tryAcquire(hostId, owner, o.purpose, ttlMs);
    if (!row) {
      const held = await this.repo.holder(hostId);
      throw new AppError('LEASE_HELD', `host ${hostId} is leased${held ? ` for ${held.purpose} until ${held.expiresAt}` : ''}; try again later`, {
        hostId,
        purpose: held?.purpose ?? null,
        expiresAt: held?.expiresAt ?? null,
      });
    }
    this.bus.publish({ type: 'lease.changed', hostId, lease: row });
    const lost = new AbortController();
    let released = false;
    const timer = setInterval(() => {
      void this.repo.renew(hostId, owner, row.token, ttlMs).then(
        (ok) => {
          if (!ok && !released) lose();
        },
        (err: unknown) => this.onRenewError?.(err, hostId),
      );
    }, Math.max(50, Math.floor(ttlMs / 3)));
    timer.unref();
    const lose = () => {
      clearInterval(timer);
      if (!lost.signal.aborted) lost.abort(new AppError('LEASE_HELD', `the lease on ${hostId} was lost (not renewed in time)`));
      this.bus.publish({ type: 'lease.changed', hostId, lease: null });
    };
    return {
      hostId,
      token: row.token,
      signal: lost.signal,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.repo.release(hostId, row.token);
        this.bus.publish({ type: 'lease.changed', hostId, lease: null });
      },
    };
  }

  holder(hostId: string): Promise<LeaseRow | undefined> {
    return this.repo.holder(hostId);
  }

  list(): Promise<LeaseRow[]> {
    return this.repo.list();
  }
}
