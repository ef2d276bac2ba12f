// One simulated upstream process (a llama-server child of llama-swap) and its state machine:
// stopped → starting → ready → stopping → stopped. Every transition is reported through onState so
// the host can push a full modelStatus list, as llama-swap does.
import type { NormalizedModel, ProcessState } from '../types';
import { goDuration } from '../time';
import { UpstreamServer } from '../upstream/server';
import type { UpstreamEnv } from '../upstream/server';

export interface ProcessHooks {
  onState(id: string, from: ProcessState, to: ProcessState): void;
  proxyLog(level: 'info' | 'warn' | 'debug', msg: string): void;
  upstreamLog(id: string, text: string): void;
  healthCheckTimeoutMs(): number;
  /** true while a failLoad fault applies to this model; consumes one count */
  takeLoadFailure(id: string): boolean;
  upstreamEnv: UpstreamEnv;
}

/** A request being served by this process; cut() breaks it when the process goes away. */
export interface ActiveHandler {
  cut(reason: string): void;
}

export class StartError extends Error {}

export class SimProcess {
  state: ProcessState = 'stopped';
  /** wall-clock ms of the last request completion (or of becoming ready) */
  lastUse = 0;
  readonly handlers = new Set<ActiveHandler>();
  upstream: UpstreamServer | null = null;
  readySince = 0;

  private startTimer: NodeJS.Timeout | null = null;
  private starting: { promise: Promise<void>; resolve(): void; reject(e: Error): void } | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    public readonly model: NormalizedModel,
    private readonly hooks: ProcessHooks,
  ) {}

  get id(): string {
    return this.model.id;
  }

  private setState(to: ProcessState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.readySince = to === 'ready' ? Date.now() : 0;
    this.hooks.onState(this.id, from, to);
  }

  /** Resolves when ready; starts the process when stopped. Rejects when the start fails or is aborted. */
  async ensureReady(): Promise<void> {
    if (this.state === 'ready') return;
    if (this.state === 'stopping' && this.stopping) await this.stopping;
    // the await above may have let other transitions happen
    if ((this.state as ProcessState) === 'ready') return;
    if (this.state === 'starting' && this.starting) return this.starting.promise;
    return this.start();
  }

  private start(): Promise<void> {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    this.starting = { promise, resolve, reject };
    const m = this.model;
    this.upstream = new UpstreamServer(m, this.hooks.upstreamEnv, (t) => this.hooks.upstreamLog(this.id, t));
    this.setState('starting');
    this.hooks.proxyLog('info', `<${this.id}> Starting process, health check timeout ${goDuration(this.hooks.healthCheckTimeoutMs())}`);
    this.upstream.logBoot();

    const fail = this.hooks.takeLoadFailure(this.id) || m.failLoad;
    const timeout = this.hooks.healthCheckTimeoutMs();
    const failAfter = fail ? Math.min(m.loadMs / 2, timeout) : timeout;
    const willTimeout = !fail && m.loadMs > timeout;
    const delay = fail || willTimeout ? failAfter : m.loadMs;
    this.startTimer = setTimeout(() => {
      this.startTimer = null;
      const s = this.starting;
      this.starting = null;
      if (!s) return;
      if (fail || willTimeout) {
        const why = fail ? 'upstream command exited prematurely' : `health check timed out after ${goDuration(timeout)}`;
        if (fail) this.upstream?.logCrash();
        this.upstream = null;
        this.setState('stopped');
        this.hooks.proxyLog('warn', `<${this.id}> failed to start: ${why}`);
        s.reject(new StartError(why));
        return;
      }
      this.upstream?.markReady();
      this.lastUse = Date.now();
      this.setState('ready');
      this.hooks.proxyLog('info', `<${this.id}> Health check passed, process ready`);
      s.resolve();
    }, delay);
    return promise;
  }

  /** Graceful stop. Blocks until stopped; requests in flight are cut, not waited for. */
  stop(reason = 'unload'): Promise<void> {
    if (this.state === 'stopped') return Promise.resolve();
    if (this.state === 'stopping' && this.stopping) return this.stopping;
    if (this.state === 'starting') {
      if (this.startTimer) clearTimeout(this.startTimer);
      this.startTimer = null;
      const s = this.starting;
      this.starting = null;
      this.upstream = null;
      this.setState('stopped');
      this.hooks.proxyLog('info', `<${this.id}> start aborted (${reason})`);
      s?.reject(new StartError('aborted'));
      return Promise.resolve();
    }
    this.setState('stopping');
    this.hooks.proxyLog('info', `<${this.id}> Stopping process (${reason})`);
    this.cutHandlers('upstream process stopped');
    this.stopping = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.upstream?.logShutdown();
        this.upstream = null;
        this.stopping = null;
        this.setState('stopped');
        resolve();
      }, this.model.stopMs);
    });
    return this.stopping;
  }

  /** The upstream exits on its own. Only a ready process can crash. */
  crash(): boolean {
    if (this.state !== 'ready') return false;
    this.upstream?.logCrash();
    this.upstream = null;
    this.cutHandlers('upstream process exited unexpectedly');
    this.setState('stopped');
    this.hooks.proxyLog('warn', `<${this.id}> upstream process exited unexpectedly`);
    return true;
  }

  /** Immediate teardown for reload, restart and close: no grace, no new work. */
  shutdown(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
    const s = this.starting;
    this.starting = null;
    s?.reject(new StartError('shutdown'));
    this.cutHandlers('shutdown');
    this.upstream = null;
    this.stopping = null;
    this.setState('stopped');
  }

  private cutHandlers(reason: string): void {
    for (const h of [...this.handlers]) h.cut(reason);
    this.handlers.clear();
  }
}
