// The HEAD FIFO scheduler with the group router (protocol reference §4.5; mirrors llama-swap's
// internal/router/scheduler/fifo.go and group.go). Per request, in order:
//   1 unknown model → 404; 2 a swap to the same model is running → join it;
//   3 ready and nothing to evict (and nobody evicting it) → serve now;
//   4 collides with a running swap → queue; 5 would evict a busy process → queue;
//   6 otherwise start a swap: stop the evictees in parallel, then start the target.
// Swaps never pre-empt: they wait until the victims have no requests in flight.
import type { NormalizedConfig } from '../config';
import type { SimProcess } from './process';

export class SchedulerError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class ConcurrencyLimitError extends SchedulerError {
  constructor() {
    super('Too many requests', 429);
  }
}

export interface Grant {
  readonly model: string;
  /** call exactly once when the request finishes */
  release(): void;
}

interface Waiter {
  model: string;
  resolve(g: Grant): void;
  reject(e: Error): void;
  settled: boolean;
}

interface Swap {
  model: string;
  evict: string[];
  waiters: Waiter[];
}

export class Router {
  private active = new Map<string, Swap>();
  private inFlight = new Map<string, number>();
  private admitted = new Map<string, number>();
  private queued: Waiter[] = [];
  private closed = false;

  constructor(
    private readonly cfg: NormalizedConfig,
    private readonly procs: Map<string, SimProcess>,
    private readonly log: (level: 'info' | 'debug', msg: string) => void,
  ) {}

  /** Admits a request for `model`, waiting for a swap when needed. */
  request(model: string, signal?: AbortSignal): Promise<Grant> {
    if (this.closed) return Promise.reject(new SchedulerError('group is shutting down', 503));
    const proc = this.procs.get(model);
    if (!proc) return Promise.reject(new SchedulerError('no local server found for requested model', 404));
    const limit = proc.model.concurrencyLimit;
    const n = this.admitted.get(model) ?? 0;
    if (n >= limit) return Promise.reject(new ConcurrencyLimitError());
    this.admitted.set(model, n + 1);

    return new Promise<Grant>((resolve, reject) => {
      const w: Waiter = {
        model,
        settled: false,
        resolve: (g) => {
          if (w.settled) return g.release();
          w.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(g);
        },
        reject: (e) => {
          if (w.settled) return;
          w.settled = true;
          signal?.removeEventListener('abort', onAbort);
          this.unadmit(model);
          reject(e);
        },
      };
      const onAbort = (): void => {
        this.cancel(w);
        w.reject(new SchedulerError('client cancelled', 499));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onRequest(w);
    });
  }

  /** Unloads the named models (all when empty). Resolves when every target has stopped. */
  async unload(targets?: string[]): Promise<void> {
    const ids = targets && targets.length > 0 ? targets : [...this.procs.keys()];
    const set = new Set(ids);
    const err = new SchedulerError('unspecific error: group: model unloaded', 500);
    for (const id of set) {
      const sw = this.active.get(id);
      if (!sw) continue;
      this.active.delete(id);
      for (const w of sw.waiters) w.reject(err);
    }
    this.queued = this.queued.filter((w) => {
      if (!set.has(w.model)) return true;
      w.reject(err);
      return false;
    });
    await Promise.all(ids.map((id) => this.procs.get(id)?.stop('unload')));
    this.drainQueue();
  }

  /** Waiting and running requests per model. */
  counts(model: string): { inflight: number; queued: number } {
    const inflight = this.inFlight.get(model) ?? 0;
    return { inflight, queued: (this.admitted.get(model) ?? 0) - inflight };
  }

  /** Fails every waiter (reload / restart / close). Processes are torn down by the caller. */
  shutdown(): void {
    this.closed = true;
    const err = new SchedulerError('group is shutting down', 503);
    for (const sw of this.active.values()) for (const w of sw.waiters) w.reject(err);
    this.active.clear();
    for (const w of this.queued) w.reject(err);
    this.queued = [];
  }

  /** Re-evaluates the queue; called when process state changes outside the scheduler (crash, TTL). */
  poke(): void {
    this.drainQueue();
  }

  private unadmit(model: string): void {
    const n = (this.admitted.get(model) ?? 1) - 1;
    if (n <= 0) this.admitted.delete(model);
    else this.admitted.set(model, n);
  }

  private cancel(w: Waiter): void {
    this.queued = this.queued.filter((q) => q !== w);
    for (const sw of this.active.values()) sw.waiters = sw.waiters.filter((q) => q !== w);
  }

  private onRequest(w: Waiter): void {
    const target = this.procs.get(w.model);
    if (!target) return w.reject(new SchedulerError('no local server found for requested model', 404));
    const sw = this.active.get(w.model);
    if (sw) {
      sw.waiters.push(w);
      return;
    }
    const running = this.runningSet(w.model);
    const evict = this.evictionFor(w.model, running);
    const collides = this.collidesWith(w.model, evict);
    if (target.state === 'ready' && evict.length === 0 && !collides) return this.grant(w);
    if (collides || this.conflictsWithInFlight(evict)) {
      this.enqueue(w);
      return;
    }
    this.startSwap(w, evict);
  }

  private grant(w: Waiter): void {
    if (w.settled) return;
    const model = w.model;
    this.inFlight.set(model, (this.inFlight.get(model) ?? 0) + 1);
    let released = false;
    w.resolve({
      model,
      release: () => {
        if (released) return;
        released = true;
        this.unadmit(model);
        const n = (this.inFlight.get(model) ?? 1) - 1;
        if (n <= 0) {
          this.inFlight.delete(model);
          this.drainQueue();
        } else this.inFlight.set(model, n);
      },
    });
  }

  private enqueue(w: Waiter): void {
    const p = this.cfg.priority[w.model] ?? 0;
    let i = this.queued.length;
    for (let j = 0; j < this.queued.length; j++) {
      const q = this.queued[j];
      if (q && (this.cfg.priority[q.model] ?? 0) < p) {
        i = j;
        break;
      }
    }
    this.queued.splice(i, 0, w);
  }

  private startSwap(w: Waiter, evict: string[]): void {
    const sw: Swap = { model: w.model, evict, waiters: [w] };
    this.active.set(w.model, sw);
    if (evict.length > 0) this.log('info', `swapping to ${w.model}, evicting ${evict.join(', ')}`);
    void this.doSwap(sw);
  }

  private async doSwap(sw: Swap): Promise<void> {
    let err: Error | null = null;
    try {
      await Promise.all(sw.evict.map((id) => this.procs.get(id)?.stop('swap')));
      const target = this.procs.get(sw.model);
      if (!target) throw new Error('model not found');
      await target.ensureReady();
    } catch (e) {
      err = e instanceof Error ? e : new Error(String(e));
    }
    if (this.active.get(sw.model) !== sw) return; // released by an unload or shutdown meanwhile
    this.active.delete(sw.model);
    for (const w of sw.waiters) {
      if (err) w.reject(new SchedulerError(`unspecific error: ${err.message}`, 500));
      else this.grant(w);
    }
    this.drainQueue();
  }

  private drainQueue(): void {
    if (this.closed || this.queued.length === 0) return;
    const pending = this.queued;
    this.queued = [];
    const remaining: Waiter[] = [];
    for (const w of pending) {
      if (w.settled) continue;
      const target = this.procs.get(w.model);
      if (!target) {
        w.reject(new SchedulerError('no local server found for requested model', 404));
        continue;
      }
      const sw = this.active.get(w.model);
      if (sw) {
        sw.waiters.push(w);
        continue;
      }
      const evict = this.evictionFor(w.model, this.runningSet(w.model));
      const collides = this.collidesWith(w.model, evict);
      if (target.state === 'ready' && evict.length === 0 && !collides) {
        this.grant(w);
        continue;
      }
      if (collides || this.conflictsWithInFlight(evict)) {
        remaining.push(w);
        continue;
      }
      this.startSwap(w, evict);
    }
    this.queued = [...remaining, ...this.queued];
  }

  /** Processes that are not stopped, plus targets of other running swaps; sorted. */
  private runningSet(exclude: string): string[] {
    const out = new Set<string>();
    for (const [id, p] of this.procs) if (p.state !== 'stopped') out.add(id);
    for (const id of this.active.keys()) if (id !== exclude) out.add(id);
    return [...out].sort();
  }

  /** Group eviction rules, including the non-exclusive quirk (see group.go). */
  evictionFor(target: string, running: string[]): string[] {
    const tg = this.procs.get(target)?.model.group;
    const tgCfg = tg === undefined ? undefined : this.cfg.groups.get(tg);
    if (!tgCfg) return [];
    const out: string[] = [];
    for (const id of running) {
      if (id === target || out.includes(id)) continue;
      const og = this.procs.get(id)?.model.group;
      if (og === tg) {
        if (tgCfg.swap) out.push(id);
      } else if (tgCfg.exclusive) {
        const ogCfg = og === undefined ? undefined : this.cfg.groups.get(og);
        if (!ogCfg?.persistent) out.push(id);
      }
    }
    return out;
  }

  private collidesWith(target: string, evict: string[]): boolean {
    for (const [id, sw] of this.active) {
      if (id === target) continue;
      if (evict.includes(id)) return true;
      if (sw.evict.includes(target)) return true;
      if (evict.some((e) => sw.evict.includes(e))) return true;
    }
    return false;
  }

  private conflictsWithInFlight(evict: string[]): boolean {
    return evict.some((id) => (this.inFlight.get(id) ?? 0) > 0);
  }
}
