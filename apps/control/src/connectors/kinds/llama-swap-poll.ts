import { backoffDelay, sleep } from '../../lib/backoff';
import { HostError, type HostHttp } from '../http';
import type { StatusTracker } from '../status';
import type { ConnectorDeps, GpuSample, HostCapabilities, ModelSnapshot, SysSample } from '../types';
import { mapGpu, mapState, mapSys } from './llama-swap-map';
import { ModelsListSchema, PerformanceSchema, RunningSchema } from './llama-swap-wire';

/**
 * The request/response side of the llama-swap connector: performance polling (which is also
 * the liveness probe), model reconciliation and plain-text log streams.
 */
export class LlamaSwapPoller {
  /** Newest sample time seen, kept across reconnects so a reconnect does not re-read the hour. */
  private after: string | null = null;
  private lastTs = -Infinity;

  constructor(
    private readonly deps: ConnectorDeps,
    private readonly http: HostHttp,
    private readonly status: StatusTracker,
  ) {}

  /**
   * Polls /api/performance?after=<last> every probeEveryMs (not access-logged by llama-swap, and
   * cheap with `after`). A host that does not answer within probeTimeoutMs ends the session:
   * that is how a frozen host turns offline although its event stream just goes quiet.
   */
  async run(signal: AbortSignal, caps: HostCapabilities, fail: (err: unknown) => void, streamAlive: () => boolean = () => false): Promise<void> {
    const t = this.deps.timings;
    // The very first call has no `after`: it backfills the host's last hour (deduped on insert).
    while (!signal.aborted) {
      const started = Date.now();
      try {
        if (caps.performance === 'absent') {
          await this.http.get('/wol-health', { timeoutMs: t.probeTimeoutMs, signal, okStatuses: [404] });
        } else {
          const path = this.after ? `/api/performance?after=${encodeURIComponent(this.after)}` : '/api/performance';
          const r = await this.http.getJson(path, { timeoutMs: t.probeTimeoutMs, signal, okStatuses: [503] });
          if (r.status === 200) {
            const p = PerformanceSchema.safeParse(r.json);
            if (!p.success) {
              this.rejected('performance', p.error.message);
            } else {
              const sys = (p.data.sys_stats ?? []).map(mapSys).filter((s): s is SysSample => s !== undefined);
              const gpus = (p.data.gpu_stats ?? []).map(mapGpu).filter((g): g is GpuSample => g !== undefined);
              for (const s of [...p.data.sys_stats ?? [], ...p.data.gpu_stats ?? []]) {
                const ts = Date.parse(s.timestamp);
                if (ts > this.lastTs) {
                  this.lastTs = ts;
                  this.after = s.timestamp;
                }
              }
              if (sys.length > 0 || gpus.length > 0) this.deps.emit({ type: 'perf', sys, gpus });
            }
          }
        }
        this.status.resolved('perf');
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof HostError && err.kind === 'timeout' && streamAlive()) {
          this.deps.count('connector.slowProbes');
          this.status.problem('perf', `slow to answer: ${err.message}`);
        } else if (err instanceof HostError && (err.unreachable || err.kind === 'auth')) {
          this.deps.count('connector.probeFailures');
          fail(err);
          return;
        } else {
          this.status.problem('perf', `performance polling failed: ${(err as Error).message}`);
        }
      }
      await sleep(Math.max(0, t.probeEveryMs - (Date.now() - started)), signal);
    }
  }

  /** Model states according to /running (and new models from /v1/models); undefined when they agree. */
  async reconcileModels(signal: AbortSignal, current: readonly ModelSnapshot[]): Promise<ModelSnapshot[] | undefined> {
    const ro = { timeoutMs: this.deps.timings.requestTimeoutMs, signal };
    const [running, list] = await Promise.all([this.http.getJson('/running', ro), this.http.getJson('/v1/models', { ...ro, okStatuses: [404] })]);
    const r = RunningSchema.safeParse(running.json);
    if (!r.success) {
      this.rejected('/running', r.error.message);
      return undefined;
    }
    const states = new Map((r.data.running ?? []).map((p) => [p.model, mapState(p.state)]));
    let changed = false;
    const next = current.map((m) => {
      const state = states.get(m.id) ?? (m.state === 'unknown' ? 'unknown' : 'stopped');
      if (state === m.state) return m;
      changed = true;
      return { ...m, state };
    });
    const l = ModelsListSchema.safeParse(list.json);
    if (list.status === 200 && l.success) {
      const known = new Set(current.map((m) => m.id));
      for (const rec of l.data.data ?? []) {
        const type = rec.meta?.llamaswap?.type;
        if (known.has(rec.id) || (type !== undefined && type !== 'model')) continue;
        changed = true;
        next.push({
          id: rec.id,
          name: rec.name ?? '',
          description: rec.description ?? '',
          state: states.get(rec.id) ?? 'stopped',
          unlisted: false,
          aliases: rec.meta?.llamaswap?.aliases ?? [],
          contextLength: rec.context_length ?? null,
        });
      }
    }
    if (!changed) return undefined;
    return next.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Follows a chunked text/plain log stream, reconnecting with backoff until `signal` aborts. */
  async followLog(path: string, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
    let attempt = 0;
    let history = true;
    while (!signal.aborted) {
      try {
        const res = await fetch(this.http.url(history ? path : `${path}?no-history`), { headers: this.http.headers({ accept: 'text/plain' }), signal });
        if (res.status !== 200 || !res.body) {
          await res.body?.cancel().catch(() => undefined);
          throw new Error(`HTTP ${res.status}`);
        }
        attempt = 0;
        history = false;
        const decoder = new TextDecoder();
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          if (text) onText(text);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.deps.log.debug({ host: this.deps.target.id, path, error: (err as Error).message }, 'log stream failed');
      }
      attempt++;
      await sleep(backoffDelay(attempt, { baseMs: this.deps.timings.backoffBaseMs, maxMs: this.deps.timings.backoffMaxMs, jitter: this.deps.timings.backoffJitter }), signal);
    }
  }

  private rejected(what: string, detail: string): void {
    this.deps.count('connector.invalidPayloads');
    this.deps.log.warn({ host: this.deps.target.id, what, detail: detail.slice(0, 500) }, 'invalid payload from host ignored');
  }
}
