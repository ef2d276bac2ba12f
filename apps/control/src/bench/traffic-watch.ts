import type { EventBus } from '../events/bus';
import type { FleetState } from '../fleet/fleet-state';

/** How recent another request on the host must be for a bench to refuse with HOST_BUSY. */
export const BUSY_WINDOW_MS = 10_000;

/** Requests the host saw besides the bench's own, per stretch of time. */
export interface TrafficWatch {
  /**
   * Requests in [from, to) that were not ours: activity rows of other models, rows of our model
   * beyond the `ours` we sent, and other models' in-flight requests seen while it ran.
   */
  foreign(from: Date, to: Date, ours: number): number;
  stop(): void;
}

/**
 * Watches one host's traffic for the length of a run: stored activity rows from the bus and the
 * live in-flight list, sampled every 250 ms (a long foreign request may not end inside a point).
 */
export function watchTraffic(bus: EventBus, fleet: FleetState, hostId: string, model: string): TrafficWatch {
  const rows: Array<{ ts: number; model: string }> = [];
  const inflightSeen = new Map<string, number>();
  const off = bus.on('activity.stored', (e) => {
    for (const r of e.rows) if (r.hostId === hostId) rows.push({ ts: r.ts.getTime(), model: r.model });
  });
  const timer = setInterval(() => {
    for (const f of fleet.get(hostId)?.inflight ?? []) if (f.model !== model && !inflightSeen.has(f.id)) inflightSeen.set(f.id, Date.now());
  }, 250);
  timer.unref();
  return {
    foreign(from, to, ours) {
      const a = from.getTime();
      const b = to.getTime();
      const inWindow = rows.filter((r) => r.ts >= a && r.ts < b);
      const others = inWindow.filter((r) => r.model !== model).length;
      const mine = inWindow.length - others;
      // an in-flight request that also finished in the window is counted once, as a row
      const liveOnly = [...inflightSeen.values()].filter((t) => t >= a && t < b).length;
      return Math.max(others, liveOnly) + Math.max(0, mine - ours);
    },
    stop() {
      off();
      clearInterval(timer);
    },
  };
}

/** Why a host is busy right now (in-flight or recent requests), or null when it is quiet. */
export function liveTraffic(fleet: FleetState, recent: ReadonlyArray<{ hostId: string; ts: string }>, hostId: string, now = Date.now()): string | null {
  const host = fleet.get(hostId);
  const inflight = host?.inflightTotal ?? host?.inflight.length ?? 0;
  if (inflight > 0) return `${inflight} request(s) in flight`;
  const last = recent.find((r) => r.hostId === hostId);
  if (last && now - Date.parse(last.ts) < BUSY_WINDOW_MS) return `a request finished ${Math.round((now - Date.parse(last.ts)) / 1000)} s ago`;
  return null;
}
