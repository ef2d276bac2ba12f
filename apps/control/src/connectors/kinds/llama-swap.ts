import type { EventSourceMessage } from 'eventsource-parser';
import { sleep } from '../../lib/backoff';
import { HostError, HostHttp } from '../http';
import { openSse } from '../sse-reader';
import { StatusTracker } from '../status';
import { supervise } from '../supervisor';
import type { Connector, ConnectorDeps, HostCapabilities, ModelSnapshot, Wire } from '../types';
import { ActivityTracker } from './llama-swap-activity';
import { mapInflight, mapModelStatus } from './llama-swap-map';
import { LlamaSwapPoller } from './llama-swap-poll';
import {
  ActivityIdEventSchema,
  EnvelopeSchema,
  InflightEventSchema,
  LogDataSchema,
  ModelStatusSchema,
  VersionSchema,
} from './llama-swap-wire';

/** Thrown to end a healthy session so that a fresh connection replaces possibly stale state. */
export class ResyncRequested extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'ResyncRequested';
  }
}

/** Per-connection state; a new one for every (re)connect so nothing leaks across connections. */
interface Session {
  signal: AbortSignal;
  /** Aborts the session with this error (a failed liveness probe). */
  fail(err: unknown): void;
  /** Set once the burst's modelStatus arrived: log chunks before it are the history replay. */
  sawModelStatus: boolean;
  /** When the event stream last delivered anything. */
  lastDataAt: number;
}

/**
 * The llama-swap connector (protocol reference §3, §5, §7, §13). One instance per host:
 *
 * connect → /api/version + capability probes → GET /api/events (SSE). The burst that opens each
 * stream replaces the host's live state. While connected, a poller fetches performance samples
 * (which doubles as the liveness probe: the event stream has no heartbeat, so a frozen host is
 * only noticed by asking it something), and every `reconcileEveryMs` plus once right after
 * connecting we compare with /running and /v1/models and page activity to recover events the
 * host dropped silently. Any failure ends the session; the supervisor reconnects with backoff.
 */
export class LlamaSwapConnector implements Connector {
  private readonly http: HostHttp;
  private readonly status: StatusTracker;
  readonly activity: ActivityTracker;
  private readonly poller: LlamaSwapPoller;
  private caps: HostCapabilities | null = null;
  private wire: Wire | null = null;
  private models: ModelSnapshot[] = [];
  /** Bumped by every modelStatus; a reconciliation that raced with one is discarded. */
  private modelsRev = 0;
  /** Ends the current session for a clean re-sync (set while a session runs). */
  private resync: ((why: string) => void) | undefined;

  constructor(private readonly deps: ConnectorDeps) {
    this.http = new HostHttp({ baseUrl: deps.target.baseUrl, apiKey: deps.target.apiKey });
    this.status = new StatusTracker(deps.emit);
    this.activity = new ActivityTracker(deps, (why) => this.resync?.(why));
    this.poller = new LlamaSwapPoller(deps, this.http, this.status);
  }

  async run(signal: AbortSignal): Promise<void> {
    this.status.connecting();
    await supervise({
      signal,
      timings: this.deps.timings,
      session: (s, connected) => this.session(s, connected),
      ended: (err, attempt, delay) => {
        if (err instanceof ResyncRequested) {
          // Not a failure: the host is fine, we only want a fresh initial burst.
          this.deps.count('connector.resyncs');
          this.deps.log.info({ host: this.deps.target.id, reason: err.message }, 'events were dropped silently; re-syncing from a fresh connection');
          return 0;
        }
        this.deps.count('connector.reconnects');
        this.deps.count(`connector.sessionEnds.${err === null ? 'closedByHost' : err instanceof HostError ? err.kind : 'other'}`);
        if (err !== null && !(err instanceof HostError)) {
          this.deps.log.warn({ host: this.deps.target.id, err }, 'connector session failed unexpectedly');
        } else {
          this.deps.log.debug({ host: this.deps.target.id, attempt, delay, error: err === null ? null : (err as Error).message }, 'connection to host ended');
        }
        this.status.down(err, delay);
        return undefined;
      },
    });
    await this.activity.idle();
  }

  private async session(outer: AbortSignal, connected: () => void): Promise<void> {
    // Not AbortSignal.any: composites stay registered on the long-lived `outer` (see requestSignal).
    const ctl = new AbortController();
    const signal = ctl.signal;
    const onOuter = () => ctl.abort();
    outer.addEventListener('abort', onOuter, { once: true });
    let failure: unknown;
    let failSession: (err: unknown) => void = () => undefined;
    const failed = new Promise<void>((resolve) => {
      failSession = (err) => {
        failure ??= err;
        ctl.abort();
        resolve();
      };
    });
    const session: Session = { signal, fail: failSession, sawModelStatus: false, lastDataAt: Date.now() };
    this.resync = (why) => failSession(new ResyncRequested(why));
    try {
      const version = await this.fetchVersion(signal);
      this.caps = await this.detect(signal);
      this.wire = this.caps.activityApi ? 'head' : 'v235';
      const stream = await openSse(this.http.url('/api/events'), {
        headers: this.http.headers(),
        connectTimeoutMs: this.deps.timings.connectTimeoutMs,
        signal,
        maxEventBytes: this.deps.timings.maxEventBytes,
        onEvent: (ev) => this.onSse(ev, session),
        onOversize: (bytes) => {
          this.deps.count('connector.oversizedEvents');
          this.deps.log.warn({ host: this.deps.target.id, bytes }, 'oversized event from host skipped');
        },
      });
      // The burst that follows replaces everything we knew about this host's live state.
      this.models = [];
      this.modelsRev++;
      this.deps.emit({ type: 'connected', version, wire: this.wire, capabilities: this.caps });
      this.status.up();
      connected();
      this.activity.attach({ http: this.http, signal, activityApi: this.caps.activityApi });
      // A probe that times out while the event stream is still flowing means a busy host, not
      // a dead one (a frozen host stalls the stream too).
      void this.poller.run(signal, this.caps, session.fail, () => Date.now() - session.lastDataAt < this.deps.timings.probeTimeoutMs);
      void this.reconcileLoop(signal);
      await Promise.race([stream.done, failed]);
      if (failure !== undefined) throw failure;
    } finally {
      outer.removeEventListener('abort', onOuter);
      this.resync = undefined;
      ctl.abort();
      this.activity.detach();
    }
  }

  private async fetchVersion(signal: AbortSignal): Promise<string | null> {
    const r = await this.http.getJson('/api/version', { timeoutMs: this.deps.timings.connectTimeoutMs, signal, okStatuses: [404] });
    if (r.status === 404) return null;
    const v = VersionSchema.safeParse(r.json);
    return v.success ? (v.data.version ?? null) : null;
  }

  /** Capability probes (§1): never trust the version string alone. */
  private async detect(signal: AbortSignal): Promise<HostCapabilities> {
    const ro = { timeoutMs: this.deps.timings.connectTimeoutMs, signal, okStatuses: [400, 404, 405, 503] };
    const [activity, perf] = await Promise.all([this.http.get('/api/metrics/activity?limit=1', ro), this.http.get('/api/performance?after=' + encodeURIComponent(new Date().toISOString()), ro)]);
    return {
      activityApi: activity.status === 200,
      performance: perf.status === 200 ? 'on' : perf.status === 503 ? 'disabled' : 'absent',
      captures: true,
      modelLogs: true,
    };
  }

  private onSse(ev: EventSourceMessage, s: Session): void {
    s.lastDataAt = Date.now();
    if (ev.data === '[DONE]' || s.signal.aborted) return;
    let envelope: { type: string; data: string };
    let inner: unknown;
    try {
      const parsed = EnvelopeSchema.safeParse(JSON.parse(ev.data));
      if (!parsed.success) return this.rejected('event envelope', parsed.error.message);
      envelope = parsed.data;
    } catch {
      return this.rejected('event envelope', `not JSON: ${ev.data.slice(0, 120)}`);
    }
    try {
      inner = JSON.parse(envelope.data);
    } catch {
      return this.rejected(`${envelope.type} payload`, `not JSON: ${envelope.data.slice(0, 120)}`);
    }
    switch (envelope.type) {
      case 'modelStatus': {
        const p = ModelStatusSchema.safeParse(inner);
        if (!p.success) return this.rejected('modelStatus', p.error.message);
        s.sawModelStatus = true;
        this.models = mapModelStatus(p.data);
        this.modelsRev++;
        this.deps.emit({ type: 'models', models: this.models });
        return;
      }
      case 'logData': {
        const p = LogDataSchema.safeParse(inner);
        if (!p.success) return this.rejected('logData', p.error.message);
        if (p.data.data.length === 0) return;
        this.deps.emit({ type: 'log', source: p.data.source, text: p.data.data, history: !s.sawModelStatus });
        return;
      }
      case 'inflight':
        return this.onInflight(inner);
      case 'activity': {
        const p = ActivityIdEventSchema.safeParse(inner);
        if (!p.success) return this.rejected('activity', p.error.message);
        this.activity.onActivityEvent(p.data.id);
        return;
      }
      case 'metrics':
        this.activity.onLegacyMetrics(inner);
        return;
      case 'uiConfig':
      case 'profileChanged':
        return;
      default:
        // Newer llama-swap versions add types; they are not errors.
        this.deps.count('connector.unknownEventTypes');
        return;
    }
  }

  private onInflight(inner: unknown): void {
    const p = InflightEventSchema.safeParse(inner);
    if (!p.success) return this.rejected('inflight', p.error.message);
    const e = p.data;
    if ('total' in e) return this.deps.emit({ type: 'inflight', op: 'total', total: e.total });
    switch (e.operation) {
      case 'snapshot':
        // a missing `requests` means none (the Go side omits empty lists)
        return this.deps.emit({ type: 'inflight', op: 'snapshot', requests: (e.requests ?? []).map((r) => mapInflight(r)) });
      case 'upsert':
        return this.deps.emit({ type: 'inflight', op: 'upsert', request: mapInflight(e.request) });
      case 'remove':
        return this.deps.emit({ type: 'inflight', op: 'remove', id: e.id });
    }
  }

  private async reconcileLoop(signal: AbortSignal): Promise<void> {
    // Right after connecting, then every reconcileEveryMs (gotcha 6).
    await sleep(Math.min(2000, this.deps.timings.reconcileEveryMs), signal);
    while (!signal.aborted) {
      await this.reconcileOnce(signal);
      // Completed passes: a barrier for "everything the host had has been looked at" (tests, health).
      this.deps.count('connector.reconciles');
      await sleep(this.deps.timings.reconcileEveryMs, signal);
    }
  }

  /** Compares model states with /running and /v1/models and asks activity for a catch-up pass. */
  async reconcileOnce(signal: AbortSignal): Promise<void> {
    this.activity.reconcile();
    const rev = this.modelsRev;
    try {
      const fixed = await this.poller.reconcileModels(signal, this.models);
      this.status.resolved('reconcile');
      if (!fixed || rev !== this.modelsRev || signal.aborted) return;
      this.deps.count('connector.reconcile.modelFixes');
      this.models = fixed;
      this.modelsRev++;
      this.deps.emit({ type: 'models', models: fixed });
      // A missed modelStatus means the stream dropped events: in-flight state may be stale too.
      this.resync?.('model states differed from the host');
    } catch (err) {
      if (signal.aborted) return;
      this.status.problem('reconcile', `reconciliation failed: ${(err as Error).message}`);
    }
  }

  async fetchCapture(upstreamId: number): Promise<unknown | undefined> {
    const r = await this.http.getJson(`/api/captures/${upstreamId}`, { timeoutMs: this.deps.timings.requestTimeoutMs, okStatuses: [404] });
    return r.status === 404 ? undefined : r.json;
  }

  followModelLog(model: string, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
    return this.poller.followLog(`/logs/stream/${encodeURIComponent(model)}`, signal, onText);
  }

  private rejected(what: string, detail: string): void {
    this.deps.count('connector.invalidPayloads');
    this.deps.log.warn({ host: this.deps.target.id, what, detail: detail.slice(0, 500) }, 'invalid payload from host ignored');
  }
}
