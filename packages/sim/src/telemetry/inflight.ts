// In-flight request tracking: HEAD publishes snapshot/upsert/remove with request details (v240+),
// v235 publishes only {"total":N}. Ids are decimal strings restarting at "1" on start and reload.
import { rfc3339Nano } from '../time';

export interface InflightRequest {
  id: string;
  timestamp: string;
  model: string;
  req_path: string;
  method: string;
  req_headers: Record<string, string>;
  remote_ip: string;
  resp_headers: Record<string, string>;
  resp_bytes: number;
  elapsed_ms: number;
  metadata?: Record<string, string>;
}

export type InflightEvent =
  | { operation: 'snapshot'; requests?: InflightRequest[] }
  | { operation: 'upsert'; request: InflightRequest }
  | { operation: 'remove'; id: string };

export interface InflightEntry {
  id: string;
  started: number;
  model: string;
  req_path: string;
  method: string;
  req_headers: Record<string, string>;
  remote_ip: string;
  resp_headers: Record<string, string>;
  resp_bytes: number;
  /** whether HEAD tracks it (inference routes only); v235 counts every entry */
  detailed: boolean;
  lastPublish: number;
  cancel: () => void;
}

export const BYTES_UPSERT_INTERVAL_MS = 250;

export class InflightTracker {
  private next = 1;
  private entries = new Map<string, InflightEntry>();

  constructor(
    private readonly publish: (e: InflightEvent) => void,
    private readonly publishTotal: (total: number) => void,
    /** false when no stream is listening: skips building records on the per-token path */
    private readonly listening: () => boolean = () => true,
  ) {}

  start(e: Omit<InflightEntry, 'id' | 'started' | 'resp_headers' | 'resp_bytes' | 'lastPublish'>): InflightEntry {
    // added fields first, then the spread: the other order gives each entry its own hidden class
    const entry: InflightEntry = { id: String(this.next++), started: Date.now(), resp_headers: {}, resp_bytes: 0, lastPublish: Date.now(), ...e };
    this.entries.set(entry.id, entry);
    if (entry.detailed) this.publish({ operation: 'upsert', request: this.view(entry) });
    this.publishTotal(this.entries.size);
    return entry;
  }

  headers(entry: InflightEntry, h: Record<string, string>): void {
    if (!this.entries.has(entry.id)) return;
    entry.resp_headers = h;
    entry.lastPublish = Date.now();
    if (entry.detailed) this.publish({ operation: 'upsert', request: this.view(entry) });
  }

  bytes(entry: InflightEntry, n: number): void {
    entry.resp_bytes += n;
    if (!entry.detailed) return;
    const now = Date.now();
    if (now - entry.lastPublish < BYTES_UPSERT_INTERVAL_MS || !this.listening() || !this.entries.has(entry.id)) return;
    entry.lastPublish = now;
    this.publish({ operation: 'upsert', request: this.view(entry) });
  }

  end(entry: InflightEntry): void {
    if (!this.entries.delete(entry.id)) return;
    if (entry.detailed) this.publish({ operation: 'remove', id: entry.id });
    this.publishTotal(this.entries.size);
  }

  cancel(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    e.cancel();
    return true;
  }

  get total(): number {
    return this.entries.size;
  }

  snapshot(): InflightEvent {
    const requests = [...this.entries.values()].filter((e) => e.detailed).map((e) => this.view(e));
    // "requests" is omitted, not [], when empty (Go omitempty)
    return requests.length > 0 ? { operation: 'snapshot', requests } : { operation: 'snapshot' };
  }

  /** Reload/restart: ids restart at 1. Entries are expected to have been cut already. */
  reset(): void {
    this.entries.clear();
    this.next = 1;
  }

  private view(e: InflightEntry): InflightRequest {
    return {
      id: e.id,
      timestamp: rfc3339Nano(e.started),
      model: e.model,
      req_path: e.req_path,
      method: e.method,
      req_headers: e.req_headers,
      remote_ip: e.remote_ip,
      resp_headers: e.resp_headers,
      resp_bytes: e.resp_bytes,
      elapsed_ms: Date.now() - e.started,
    };
  }
}
