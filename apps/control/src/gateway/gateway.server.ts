import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HostSummary } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { Counters } from '../lib/counters';
import type { PolicyBook } from '../routing/policies';
import type { Decision, Router } from '../routing/router';
import type { RoutingScore } from '@boocontrol/contracts';
import { estimateTokens, parseBody, withModel, type ParsedBody } from './body';
import type { HostHealth } from './host-health';
import { presentedKey, type KeyStore } from './keys';
import type { LeaseView } from './lease-view';
import type { HostTargets, InflightCounter } from './live-inputs';
import type { GatewayMetrics } from './metrics';
import { listModels } from './models-list';
import { sendError } from './openai-errors';
import type { GatewayRecord } from './requests.repo';
import type { Upstreams } from './upstream';

export interface GatewayDeps {
  router: Router;
  book: PolicyBook;
  fleet: () => HostSummary[];
  upstreams: Upstreams;
  health: HostHealth;
  leases: LeaseView;
  keys: KeyStore;
  targets: HostTargets;
  inflight: InflightCounter;
  record: (r: GatewayRecord) => void;
  counters: Counters;
  metrics: GatewayMetrics;
  leaseWaitMs: number;
  maxBodyBytes: number;
  onError: (err: unknown) => void;
}

const PROXIED = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Header values must be printable ASCII. */
const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
const ms = (v: number) => Math.round(v * 1000) / 1000;

interface Consumer {
  consumer: string;
  source: 'key' | 'header' | 'anonymous';
  session: string | null;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new AppError('PAYLOAD_TOO_LARGE', `request body over ${Math.round(max / 1048576)} MB (GATEWAY_MAX_BODY_MB)`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The OpenAI-compatible endpoint on its own port. A raw node:http server, not Fastify: a request
 * is one body read, one routing decision (in memory) and one undici dispatch whose chunks are
 * written straight back; nothing else runs on the hot path (the record is queued, stored later).
 */
export class GatewayServer {
  readonly server: Server;

  constructor(private readonly d: GatewayDeps) {
    this.server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        d.onError(err);
        sendError(res, err);
      });
    });
  }

  private consumer(req: IncomingMessage): Consumer {
    const h = req.headers;
    const session = typeof h['x-boo-session'] === 'string' && h['x-boo-session'] ? h['x-boo-session'].slice(0, 200) : null;
    if (this.d.keys.required) {
      const key = presentedKey(h);
      if (!key) throw new AppError('UNAUTHORIZED', 'this gateway needs a key: Authorization: Bearer <key> (GATEWAY_KEYS or POST /api/control/gateway/keys)');
      const consumer = this.d.keys.lookup(key);
      if (!consumer) throw new AppError('UNAUTHORIZED', 'unknown gateway key');
      return { consumer, source: 'key', session };
    }
    const src = h['x-boo-source'];
    if (typeof src === 'string' && src) {
      if (!NAME.test(src)) throw new AppError('VALIDATION', 'X-Boo-Source must be a consumer name: letters, digits, . _ @ -, at most 64', { param: 'X-Boo-Source' });
      return { consumer: src, source: 'header', session };
    }
    return { consumer: 'anonymous', source: 'anonymous', session };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const ts = new Date();
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(this.d.metrics.text(this.d.counters.toJSON(), this.d.inflight.total));
      return;
    }
    const known = PROXIED.has(path) || path === '/v1/models';
    const rec: GatewayRecord = { ts, consumer: 'anonymous', consumerSource: 'anonymous', session: null, path, requestedModel: null, hostId: null, model: null, policy: null, routeReason: '', status: 0, errorCode: null, stream: false, attempts: 0, overheadMs: 0, waitMs: 0, upstreamMs: null, durationMs: 0 };
    const finish = (status: number, code: string | null) => {
      rec.status = status;
      rec.errorCode = code;
      rec.durationMs = ms(performance.now() - t0);
      this.d.metrics.request(status, rec.overheadMs, rec.upstreamMs);
      if (known) this.d.record(rec);
    };
    const fail = (err: unknown, headers: Record<string, string> = {}) => {
      rec.routeReason ||= err instanceof AppError ? err.code : 'error';
      finish(sendError(res, err, headers), err instanceof AppError ? err.code : 'INTERNAL');
    };
    try {
      if (!known || (path === '/v1/models' ? req.method !== 'GET' : req.method !== 'POST')) {
        throw new AppError('NOT_FOUND', `no route ${req.method} ${path}; the gateway serves POST /v1/chat/completions, /v1/completions, /v1/embeddings and GET /v1/models`);
      }
      const who = this.consumer(req);
      rec.consumer = who.consumer;
      rec.consumerSource = who.source;
      rec.session = who.session;
      if (path === '/v1/models') {
        const text = JSON.stringify(listModels(this.d.fleet(), this.d.book));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
        rec.routeReason = 'models';
        finish(200, null);
        return;
      }
      const raw = await readBody(req, this.d.maxBodyBytes);
      const tBody = performance.now();
      const body = parseBody(raw);
      rec.requestedModel = body.model;
      rec.stream = body.stream;
      const need = { kind: path === '/v1/embeddings' ? ('embedding' as const) : ('chat' as const), tokens: estimateTokens(body.json, raw.length), tools: Array.isArray(body.json.tools) && body.json.tools.length > 0 };
      let decision = this.d.router.decide(body.model, need);
      rec.policy = decision.policy;
      let overhead = performance.now() - tBody;
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      // Leased hosts worth waiting for: wait (woken by lease events), then decide again.
      if (decision.waitFor.size > 0 && this.d.leaseWaitMs > 0) {
        const w0 = performance.now();
        const freed = await this.d.leases.waitForAny(decision.waitFor, this.d.leaseWaitMs, aborted.signal);
        rec.waitMs = ms(performance.now() - w0);
        const t1 = performance.now();
        const again = this.d.router.decide(body.model, need);
        decision = { ...again, reason: `${again.reason}; waited ${Math.round(rec.waitMs)} ms for a lease${freed ? '' : ' (timed out)'}` };
        overhead += performance.now() - t1;
        if (aborted.signal.aborted) return finish(499, 'CANCELLED');
      }
      if (!decision.chosen) {
        const hosts = [...new Set(decision.scores.filter((s) => s.inputs.leased).map((s) => s.hostId))];
        const holder = hosts.map((h) => this.d.leases.holder(h)).find(Boolean);
        throw new AppError('HOST_LEASED', `every host for ${body.model} is held by the fleet lease${holder ? ` (${holder.purpose})` : ''}; retry later`, {
          hosts,
          purpose: holder?.purpose ?? null,
          retryAfterS: this.d.leases.retryAfterS(hosts),
        });
      }
      await this.proxy(req, res, body, decision, rec, overhead);
      finish(rec.status, rec.errorCode);
    } catch (err) {
      const retry = err instanceof AppError && err.code === 'HOST_LEASED' ? (err.details as { retryAfterS?: number }).retryAfterS : undefined;
      fail(err, retry ? { 'retry-after': String(retry) } : {});
    }
  }

  /** One attempt, and one retry on the next candidate for a connection error or 5xx before the first byte. */
  private async proxy(req: IncomingMessage, res: ServerResponse, body: ParsedBody, decision: Decision, rec: GatewayRecord, overheadMs: number): Promise<void> {
    const next = decision.fallbacks.find((s) => !s.inputs.leased && !s.inputs.coolingDown);
    const plan: RoutingScore[] = [decision.chosen!, ...(next ? [next] : [])];
    let overhead = overheadMs;
    let lastError = '';
    for (let i = 0; i < plan.length; i++) {
      const t = plan[i]!;
      const tStart = performance.now();
      const target = await this.d.targets.get(t.hostId);
      if (!target) {
        lastError = `host ${t.hostId} has no base URL`;
        continue;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: req.headers.accept ?? '*/*' };
      if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
      if (rec.session) headers['x-session-id'] = rec.session;
      if (req.headers['user-agent']) headers['user-agent'] = req.headers['user-agent'];
      const reason = i === 0 ? decision.reason : `${decision.reason}; failover from ${plan[0]!.hostId} (${lastError})`;
      rec.attempts = i + 1;
      rec.hostId = t.hostId;
      rec.model = t.model;
      rec.routeReason = reason;
      const payload = withModel(body, t.model);
      this.d.inflight.inc(t.hostId, t.model);
      overhead += performance.now() - tStart;
      const r = await this.d.upstreams
        .forward({
          baseUrl: target.baseUrl,
          path: rec.path,
          headers,
          body: payload,
          res,
          mayRetry: i < plan.length - 1,
          extraHeaders: () => ({
            'x-boo-host': ascii(t.hostId),
            'x-boo-model': ascii(t.model),
            'x-boo-route-reason': ascii(reason),
            'x-boo-overhead-ms': String(ms(overhead)),
            ...(rec.waitMs > 0 ? { 'x-boo-wait-ms': String(Math.round(rec.waitMs)) } : {}),
          }),
        })
        .finally(() => this.d.inflight.dec(t.hostId, t.model));
      if (r.kind === 'retry') {
        lastError = r.reason;
        this.d.health.failed(t.hostId);
        this.d.counters.inc('gateway_upstream_failures_total');
        continue;
      }
      rec.upstreamMs = ms(r.upstreamMs);
      rec.overheadMs = ms(overhead);
      rec.status = r.status;
      // A stream cut by the host counts against it; one the client hung up on does not.
      if (r.status >= 500 || (r.error && !r.clientClosed)) this.d.health.failed(t.hostId);
      else if (r.status < 400 && !r.error) this.d.health.succeeded(t.hostId);
      if (r.error) rec.errorCode = r.clientClosed ? 'CANCELLED' : 'UPSTREAM_ERROR';
      if (i > 0) this.d.counters.inc('gateway_failovers_total');
      return;
    }
    rec.overheadMs = ms(overhead);
    throw new AppError('UPSTREAM_UNAVAILABLE', `no upstream answered for ${body.model}: ${lastError}`, { hosts: plan.map((p) => p.hostId) });
  }

  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? `http://${a.address}:${a.port}` : String(a));
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
