import type { HostStatus } from '@boocontrol/contracts';
import { HostError } from './http';
import type { EmitFn } from './types';

/**
 * Derives a host's status from what the connector knows and emits it only when it changes:
 * `online` while the event stream is open and nothing is failing; `degraded` while the host
 * answers but something is wrong (a failing poll, a stream being re-opened, a model loading);
 * `offline` when it does not answer at all; `connecting` before the first answer.
 */
export class StatusTracker {
  private current: { status: HostStatus; reason: string | null; error: string | null } | undefined;
  private readonly problems = new Map<string, string>();
  private connected = false;
  private lastError: string | null = null;

  constructor(private readonly emit: EmitFn) {}

  connecting(reason: string | null = null): void {
    this.connected = false;
    this.problems.clear();
    this.set('connecting', reason);
  }

  /** The live connection is up. */
  up(): void {
    this.connected = true;
    this.problems.clear();
    this.refresh();
  }

  /** A named part of the connection is failing (perf polling, reconciliation…). */
  problem(area: string, message: string): void {
    this.lastError = message;
    if (this.problems.get(area) === message) return;
    this.problems.set(area, message);
    this.refresh();
  }

  resolved(area: string): void {
    if (!this.problems.delete(area)) return;
    this.refresh();
  }

  /** The connection is over; `err` null means the host closed it cleanly (config reload, shutdown). */
  down(err: unknown, retryInMs: number): void {
    this.connected = false;
    this.problems.clear();
    const retry = `retrying in ${(retryInMs / 1000).toFixed(1)} s`;
    if (err === null) {
      this.set('degraded', `event stream closed by the host (config reload or restart?); ${retry}`);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    this.lastError = message;
    if (err instanceof HostError && (err.unreachable || err.kind === 'auth')) {
      const what = err.kind === 'timeout' ? 'not answering' : err.kind === 'auth' ? 'refused our credentials' : 'unreachable';
      this.set('offline', `${what}: ${message}; ${retry}`);
      return;
    }
    // It answered, but not in a way we can use: keep trying, say why.
    this.set(this.current?.status === 'offline' ? 'offline' : 'degraded', `${message}; ${retry}`);
  }

  private refresh(): void {
    if (!this.connected) return;
    const first = this.problems.values().next();
    if (first.done) this.set('online', null);
    else this.set('degraded', first.value);
  }

  private set(status: HostStatus, reason: string | null): void {
    const error = this.lastError;
    if (this.current && this.current.status === status && this.current.reason === reason && this.current.error === error) return;
    this.current = { status, reason, error };
    this.emit({ type: 'status', status, reason, error });
  }
}
