/**
 * Notices events a host dropped silently (gotcha 6: llama-swap drops SSE frames for a slow
 * client, with no marker). Every stored activity row is announced by exactly one event, so:
 * ids above `baseline` that were announced are remembered; at each reconciliation, ids up to
 * the newest stored row that were never announced become holes; a hole still open at the next
 * reconciliation means the event was dropped. Judging one period later tolerates events that
 * arrive just after their row was fetched, or slightly out of order.
 */
const MAX_TRACKED = 200_000;

export class DropLedger {
  private announced = new Set<number>();
  private holes = new Set<number>();
  private baseline = -1;

  /** An event (or a legacy row on the stream) for this id arrived. */
  announce(id: number): void {
    if (!this.holes.delete(id) && id > this.baseline) this.announced.add(id);
    // Safety valve: reconciliation normally prunes this every period; if it cannot run (the host
    // keeps failing pages), stop tracking rather than grow without bound.
    if (this.announced.size > MAX_TRACKED) this.settle(id);
  }

  reset(): void {
    this.announced.clear();
    this.holes.clear();
    this.baseline = -1;
  }

  /** Rows up to `upTo` are accounted for without announcements (catch-up, a legacy snapshot). */
  settle(upTo: number): void {
    this.baseline = Math.max(this.baseline, upTo);
    for (const id of this.announced) if (id <= this.baseline) this.announced.delete(id);
  }

  /** Holes left open since the last `audit`: a description of the drop, or null. Clears them. */
  takeDrops(): string | null {
    if (this.holes.size === 0) return null;
    const first = Math.min(...this.holes);
    const why = `${this.holes.size} activity event(s) from id ${first} never arrived`;
    this.holes.clear();
    return why;
  }

  /** After a reconciliation stored rows up to `last`: unannounced ids become holes. */
  audit(last: number, firstId: number): void {
    // bounded: a ledger never tracks more than the last 100k ids
    for (let id = Math.max(this.baseline + 1, firstId, last - 100_000); id <= last; id++) if (!this.announced.has(id)) this.holes.add(id);
    this.settle(last);
  }
}
