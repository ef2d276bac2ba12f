// The simulator's own control surface, outside llama-swap's routes: POST /__sim/fault injects a
// fault, GET /__sim/state shows the host, /__sim/upstream/<model>/<path> talks to a model's
// llama-server directly (no loading, 503 while it loads, 502 when it is not running).
// These routes never require auth and keep answering while the host is frozen.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostCore } from '../core';
import { findModelInPath } from '../config';
import type { SimFaults } from '../types';
import { readBody, sendJson } from './respond';
import { safeDecode } from './management';

export async function handleAdmin(core: HostCore, faults: SimFaults, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  if (path === '/__sim/state' && req.method === 'GET') {
    const models = [...core.rt.procs.values()].map((p) => ({ id: p.id, state: p.state, ...core.rt.router.counts(p.id) }));
    sendJson(res, 200, {
      name: core.name,
      wire: core.wire,
      version: core.version,
      seed: core.seed,
      frozen: core.frozen,
      epoch: core.epoch,
      eventStreams: core.events.size,
      droppedEvents: core.events.droppedTotal(),
      inflight: core.rt.inflight.total,
      activityRows: core.activity.all().length,
      models,
      faults: { errorBurst: core.faults.errorBurst, slowAll: core.faults.slowAll, slow: Object.fromEntries(core.faults.slow), failLoads: Object.fromEntries(core.faults.failLoads) },
    });
    return;
  }
  if (path === '/__sim/fault' && req.method === 'POST') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { ok: false, error: 'invalid JSON' });
    }
    try {
      const result = await applyFault(faults, body);
      sendJson(res, 200, { ok: true, ...result });
    } catch (e) {
      sendJson(res, 400, { ok: false, error: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  if (path.startsWith('/__sim/upstream/')) {
    const found = findModelInPath(core.cfg, safeDecode(path.slice('/__sim/upstream'.length)));
    const up = found ? core.rt.procs.get(found.id)?.upstream : undefined;
    if (!found || !up) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('upstream not running (connection refused)');
      return;
    }
    const body = await readBody(req);
    const ex = up.handle(
      { method: req.method ?? 'GET', path: found.rest || '/', query: url.searchParams, headers: {}, body, remoteIp: '127.0.0.1' },
      {
        // written at once: this direct route has no writer thread behind it
        leadMs: 0,
        writeHead: (s, h) => res.writeHead(s, h),
        write: (c) => void res.write(c),
        end: (c) => void res.end(c ?? ''),
      },
    );
    res.on('close', () => ex.cut());
    return;
  }
  sendJson(res, 404, { ok: false, error: 'unknown admin route' });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

async function applyFault(f: SimFaults, b: Record<string, unknown>): Promise<Record<string, unknown>> {
  const mode = b.mode === 'destroy' ? 'destroy' : 'end';
  switch (b.kind) {
    case 'dropEvents':
      return { closed: f.dropEventStreams(mode) };
    case 'dropLogStreams':
      return { closed: f.dropLogStreams(mode) };
    case 'reload':
      await f.reload(b.config as never);
      return {};
    case 'restart':
      await f.restart({ downMs: num(b.downMs) ?? 0 });
      return {};
    case 'freeze':
      f.freeze();
      return {};
    case 'unfreeze':
      f.unfreeze();
      return {};
    case 'errorBurst':
      f.errorBurst(num(b.count) ?? 1, num(b.status), str(b.message));
      return {};
    case 'crashModel': {
      const model = str(b.model);
      if (!model) throw new Error('model is required');
      return { crashed: f.crashModel(model) };
    }
    case 'slowTokens':
      f.slowTokens(num(b.multiplier) ?? 1, str(b.model));
      return {};
    case 'malformedEvent':
      return { written: f.malformedEvent((str(b.variant) ?? 'envelope') as never) };
    case 'longLogLine':
      f.longLogLine(num(b.bytes), b.source === 'upstream' ? 'upstream' : 'proxy');
      return {};
    case 'failLoad': {
      const model = str(b.model);
      if (!model) throw new Error('model is required');
      f.failLoad(model, num(b.count));
      return {};
    }
    case 'heatGpus':
      f.heatGpus(num(b.celsius) ?? null);
      return {};
    case 'clear':
      f.clear();
      return {};
    default:
      throw new Error(`unknown fault kind: ${String(b.kind)}`);
  }
}
