// llama-swap management routes (protocol reference §2.3), per wire generation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostCore } from '../core';
import { resolveModel } from '../config';
import { ActivityStore } from '../telemetry/activity';
import { modelStatusList, modelsList, runningList } from '../views';
import { goMethodNotAllowed, goNotFound, readBody, redirect, sendError, sendJson, sendText } from './respond';

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type Handler = (core: HostCore, req: IncomingMessage, res: ServerResponse, url: URL, param: string) => void | Promise<void>;

interface Route {
  path: string;
  /** prefix routes capture the remainder as `param` */
  prefix?: boolean;
  methods: string[];
  wires?: Array<'head' | 'v235'>;
  h: Handler;
}

const ok = (res: ServerResponse): void => sendText(res, 200, 'OK');

const routes: Route[] = [
  { path: '/health', methods: ['GET'], h: (_c, _q, res) => ok(res) },
  { path: '/wol-health', methods: ['GET'], h: (_c, _q, res) => ok(res) },
  { path: '/', methods: ['GET'], h: (_c, _q, res) => redirect(res, 302, '/ui') },
  { path: '/favicon.ico', methods: ['GET'], h: (_c, _q, res) => sendText(res, 200, '', 'image/x-icon') },
  { path: '/ui', prefix: true, methods: ['GET'], h: (_c, _q, res) => sendText(res, 200, '<!doctype html><title>llama-swap</title><div id="app">llama-swap (simulated)</div>', 'text/html; charset=utf-8') },
  {
    path: '/v1/models',
    methods: ['GET'],
    h: (core, req, res) => {
      const origin = req.headers.origin;
      sendJson(res, 200, modelsList(core.cfg, core.rt.procs, core.wire), origin ? { 'Access-Control-Allow-Origin': origin } : {});
    },
  },
  { path: '/models', methods: ['GET'], wires: ['head'], h: (core, _q, res) => sendJson(res, 200, modelsList(core.cfg, core.rt.procs, core.wire)) },
  { path: '/running', methods: ['GET'], h: (core, _q, res) => sendJson(res, 200, runningList(core.cfg, core.rt.procs)) },
  {
    path: '/unload',
    methods: ['GET'],
    h: async (core, _q, res) => {
      await core.rt.router.unload();
      ok(res);
    },
  },
  {
    path: '/api/models/unload',
    methods: ['POST'],
    h: async (core, _q, res) => {
      await core.rt.router.unload();
      sendJson(res, 200, { msg: 'ok' });
    },
  },
  {
    path: '/api/models/unload/',
    prefix: true,
    methods: ['POST'],
    h: async (core, req, res, _u, param) => {
      const id = resolveModel(core.cfg, safeDecode(param));
      if (!id) return void sendError(req, res, core.wire, 404, 'model not found');
      await core.rt.router.unload([id]);
      ok(res);
    },
  },
  { path: '/api/events', methods: ['GET'], h: (core, req, res) => core.attachEvents(req, res) },
  {
    path: '/api/metrics/activity',
    methods: ['GET'],
    wires: ['head'],
    h: (core, _q, res, url) => {
      const r = core.activity.query(url.searchParams, (id) => core.captures.has(id));
      if (r.status !== 200) return void sendError(_q, res, core.wire, r.status, String(r.body));
      sendJson(res, 200, r.body);
    },
  },
  { path: '/api/metrics/stats', methods: ['GET'], wires: ['head'], h: (core, _q, res, url) => sendJson(res, 200, core.activity.stats(url.searchParams.get('model'))) },
  {
    path: '/api/metrics',
    methods: ['GET'],
    wires: ['v235'],
    h: (core, _q, res) => sendJson(res, 200, core.activity.all().map((r) => ActivityStore.toLegacy(r, core.captures.has(r.id)))),
  },
  {
    path: '/api/captures/',
    prefix: true,
    methods: ['GET'],
    h: (core, req, res, _u, param) => {
      if (!/^\d+$/.test(param)) return void sendError(req, res, core.wire, 400, 'invalid capture ID');
      const c = core.captures.get(Number(param));
      if (c === undefined) return void sendError(req, res, core.wire, 404, 'capture not found');
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(c)) });
      res.end(c);
    },
  },
  {
    path: '/api/performance',
    methods: ['GET'],
    h: (core, req, res, url) => {
      if (core.cfg.performanceDisabled) return void sendJson(res, 503, { enabled: false });
      const r = core.perf.query(url.searchParams.get('after'));
      if (r.status !== 200) return void sendError(req, res, core.wire, r.status, String(r.body));
      sendJson(res, 200, r.body);
    },
  },
  {
    path: '/metrics',
    methods: ['GET'],
    h: (core, _q, res) => {
      if (core.cfg.performanceDisabled) return void sendText(res, 503, '# performance monitor not available\n', 'text/plain; version=0.0.4; charset=utf-8');
      sendText(res, 200, core.perf.prometheus(), 'text/plain; version=0.0.4; charset=utf-8');
    },
  },
  { path: '/api/version', methods: ['GET'], h: (core, _q, res) => sendJson(res, 200, { version: core.version, commit: core.commit, build_date: '2026-08-14T00:00:00Z' }) },
  { path: '/api/hardware', methods: ['GET'], wires: ['head'], h: (core, _q, res) => sendJson(res, 200, core.hardware()) },
  {
    path: '/api/profiles',
    methods: ['GET'],
    wires: ['head'],
    h: (core, _q, res) =>
      sendJson(res, 200, {
        active: core.activeProfile,
        profiles: [...core.cfg.profiles.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, p]) => ({ id, description: p.description ?? '', pins: p.pins })),
      }),
  },
  {
    path: '/api/profiles/active',
    methods: ['PUT'],
    wires: ['head'],
    h: async (core, req, res) => {
      let name: unknown;
      try {
        name = (JSON.parse((await readBody(req)).toString('utf8')) as { name?: unknown }).name;
      } catch {
        return void sendError(req, res, core.wire, 400, 'invalid request body');
      }
      if (name !== null && typeof name !== 'string') return void sendError(req, res, core.wire, 400, 'missing or invalid name');
      if (typeof name === 'string' && !core.cfg.profiles.has(name)) return void sendError(req, res, core.wire, 404, `profile ${name} not found`);
      core.activeProfile = name;
      core.events.broadcast('profileChanged', { active: name });
      core.events.broadcast('modelStatus', modelStatusList(core.cfg, core.rt.procs, core.wire));
      sendJson(res, 200, { active: name });
    },
  },
  {
    path: '/api/inflight/',
    prefix: true,
    methods: ['POST'],
    h: (core, req, res, _u, param) => {
      const m = /^([^/]+)\/cancel$/.exec(param);
      if (!m) return void goNotFound(res);
      if (!core.rt.inflight.cancel(m[1] ?? '')) return void sendError(req, res, core.wire, 404, 'inflight request not found');
      sendJson(res, 200, { msg: 'ok' });
    },
  },
  {
    path: '/logs',
    methods: ['GET'],
    h: (core, req, res) => {
      if ((req.headers.accept ?? '').includes('text/html')) return void redirect(res, 302, '/ui/');
      sendText(res, 200, core.stdoutLog.getHistory());
    },
  },
  { path: '/logs/stream', methods: ['GET'], h: (core, _q, res, url) => core.attachLogStream(res, core.stdoutLog, url.searchParams.has('no-history')) },
  {
    path: '/logs/stream/',
    prefix: true,
    methods: ['GET'],
    h: (core, req, res, url, param) => {
      const id = safeDecode(param);
      const noHistory = url.searchParams.has('no-history');
      if (id === '') return core.attachLogStream(res, core.stdoutLog, noHistory);
      if (id === 'proxy') return core.attachLogStream(res, core.proxyLog, noHistory);
      if (id === 'upstream') return core.attachLogStream(res, core.upstreamLog, noHistory);
      const real = resolveModel(core.cfg, id);
      if (!real) return void sendError(req, res, core.wire, 400, `invalid logger. Use "proxy", "upstream" or a model id`);
      core.attachLogStream(res, core.modelLog(real), noHistory);
    },
  },
];

/** Returns false when no management route matches (the caller tries model dispatch, then 404). */
export async function handleManagement(core: HostCore, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  let allowed: string[] | null = null;
  for (const r of routes) {
    if (r.wires && !r.wires.includes(core.wire)) continue;
    const hit = r.prefix ? path === r.path || path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`) : path === r.path;
    if (!hit) continue;
    if (!r.methods.includes(method)) {
      allowed = r.methods;
      continue;
    }
    const param = r.prefix ? path.slice(r.path.length) : '';
    await r.h(core, req, res, url, param);
    return true;
  }
  if (allowed) {
    goMethodNotAllowed(res, allowed);
    return true;
  }
  return false;
}
