import type { JobsRepo } from './jobs.repo';

export interface DbWatchOptions {
  repo: JobsRepo;
  everyMs: number;
  liveIds: () => string[];
  onCancelRequested: (jobId: string) => void;
  onError: (err: unknown) => void;
}

/**
 * Ties this process's live jobs to their rows: one query per beat stamps `heartbeat_at` (so
 * another process can tell a dead owner's jobs from live ones) and returns the jobs someone
 * asked to cancel through the database. Every beat also sweeps unfinished jobs whose owner
 * stopped beating (a crashed control) to `interrupted`. Started by the first job or by
 * control's start; the timer never holds the process open.
 */
export class DbWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private seen = new Set<string>();

  constructor(private readonly o: DbWatchOptions) {}

  /** Starts beating if it is not already. */
  wake(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => void this.beat(), this.o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async beat(): Promise<void> {
    this.timer = undefined;
    const ids = this.o.liveIds();
    try {
      if (ids.length > 0) {
        for (const id of await this.o.repo.heartbeat(ids)) {
          if (this.seen.has(id)) continue;
          this.seen.add(id);
          this.o.onCancelRequested(id);
        }
      }
      await this.o.repo.interruptStale(new Date(Date.now() - 3 * this.o.everyMs), ids);
    } catch (err) {
      this.o.onError(err);
    }
    const live = new Set(ids);
    for (const id of this.seen) if (!live.has(id)) this.seen.delete(id);
    this.wake();
  }
}
