// startSimHost: one simulated llama-swap host on 127.0.0.1.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HostCore } from './core';
import { handleAdmin } from './http/admin';
import { handleRequest } from './http/handler';
import { resolveModel } from './config';
import { Rng } from './rng';
import { synthesizeCompletion } from './synthetic';
import type { MalformedKind, SimConfig, SimFaults, SimHost, SimHostOptions, SimModelState, NormalizedConfigView } from './types';

const MALFORMED: Record<MalformedKind, string> = {
  envelope: 'event:message\ndata:{"type":"modelStatus","data":\n\n',
  inner: 'event:message\ndata:{"type":"modelStatus","data":"[{\\"id\\":"}\n\n',
  unknownType: 'event:message\ndata:{"type":"bogus","data":"{}"}\n\n',
  truncated: 'event:message\ndata:{"type":"logData","data":"{\\"source\\":\\"proxy\\",\\"da',
};

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export async function startSimHost(options: SimHostOptions = {}): Promise<SimHost> {
  const wire = options.wire ?? 'head';
  const seed = options.seed ?? 1;
  const bindHost = '127.0.0.1';
  const core = new HostCore({
    wire,
    seed,
    name: options.name ?? 'sim',
    version: options.version ?? (wire === 'head' ? 'v250' : 'v235'),
    config: options.config,
    gpus: options.gpus ?? { count: 1, name: 'NVIDIA GeForce RTX 4090', totalMb: 24564, powerLimitW: 450 },
    perfEveryMs: options.perfEveryMs ?? 5000,
    cpuCores: options.cpuCores ?? 8,
    memTotalMb: options.memTotalMb ?? 65536,
    llamaServer: options.llamaServer ?? 'current',
    variance: options.variance ?? null,
  });

  const sockets = new Set<Socket>();
  let closed = false;
  // assigned below; the request handler only reads it once requests arrive
  let faults: SimFaults;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim/')) {
      void handleAdmin(core, faults, req, res, url).catch((e: unknown) => fail(res, e));
      return;
    }
    // a frozen host accepts the connection and reads nothing further until unfrozen
    core.whenUnfrozen(() => {
      if (res.destroyed) return;
      void handleRequest(core, req, res).catch((e: unknown) => fail(res, e));
    });
  };
  const fail = (res: ServerResponse, e: unknown): void => {
    core.log('error', `sim internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (!res.headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal simulator error');
    } else res.destroy();
  };

  const makeServer = (): Server => {
    const s = createServer({ keepAlive: true, requestTimeout: 0, headersTimeout: 0 }, onRequest);
    s.timeout = 0;
    s.keepAliveTimeout = 65_000;
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.setNoDelay(true);
      sock.on('close', () => sockets.delete(sock));
    });
    return s;
  };

  let server = makeServer();
  let port: number;
  try {
    port = await listen(server, options.port ?? 0, bindHost);
  } catch (e) {
    core.close();
    throw e;
  }
  core.log('info', `llama-swap listening on ${bindHost}:${port} (simulated ${core.version})`);

  const closeServer = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });

  faults = {
    dropEventStreams: (mode = 'end') => core.events.closeAll(mode),
    dropLogStreams: (mode = 'end') => core.closeLogStreams(mode),
    reload: async (config?: SimConfig | string) => {
      core.reload(config);
    },
    restart: async (opts?: { downMs?: number }) => {
      await closeServer();
      core.restart();
      if (opts?.downMs && opts.downMs > 0) await new Promise((r) => setTimeout(r, opts.downMs));
      if (closed) return;
      server = makeServer();
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(server, port, bindHost);
          break;
        } catch (e) {
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    freeze: () => core.setFrozen(true),
    unfreeze: () => core.setFrozen(false),
    get frozen() {
      return core.frozen;
    },
    errorBurst: (count, status = 500, message = 'simulated upstream failure') => {
      core.faults.errorBurst = count > 0 ? { count, status, message } : null;
    },
    crashModel: (model) => {
      const id = resolveModel(core.cfg, model);
      const p = id === undefined ? undefined : core.rt.procs.get(id);
      if (!p?.crash()) return false;
      core.rt.router.poke();
      return true;
    },
    slowTokens: (multiplier, model) => {
      const m = multiplier > 0 ? multiplier : 1;
      if (model === undefined) core.faults.slowAll = m;
      else {
        const id = resolveModel(core.cfg, model) ?? model;
        if (m === 1) core.faults.slow.delete(id);
        else core.faults.slow.set(id, m);
      }
    },
    malformedEvent: (kind) => core.events.raw(MALFORMED[kind]),
    longLogLine: (bytes = 1.5 * 1024 * 1024, source = 'proxy') => {
      const line = `[INFO] long line ${'x'.repeat(Math.max(0, Math.floor(bytes)))}\n`;
      if (source === 'proxy') core.proxyLog.write(line);
      else core.modelLog([...core.cfg.models.keys()][0] ?? 'upstream').write(line);
    },
    failLoad: (model, count) => {
      const id = resolveModel(core.cfg, model) ?? model;
      core.faults.failLoads.set(id, count ?? Number.POSITIVE_INFINITY);
    },
    heatGpus: (celsius) => {
      core.perf.heat = celsius;
    },
    clear: () => {
      core.perf.heat = null;
      core.faults.errorBurst = null;
      core.faults.slowAll = 1;
      core.faults.slow.clear();
      core.faults.failLoads.clear();
      core.setFrozen(false);
    },
  };

  const configView: NormalizedConfigView = {
    get models() {
      return core.cfg.models;
    },
    get apiKeys() {
      return core.cfg.apiKeys;
    },
  };

  const syntheticRng = new Rng(seed ^ 0x5eed);
  const host: SimHost = {
    url: `http://${bindHost}:${port}`,
    port,
    wire,
    seed,
    name: core.name,
    config: configView,
    faults,
    models: (): SimModelState[] => [...core.rt.procs.values()].map((p) => ({ id: p.id, state: p.state, ...core.rt.router.counts(p.id) })),
    eventStreams: () => core.events.size,
    log: (line, source = 'proxy') => {
      const text = line.endsWith('\n') ? line : `${line}\n`;
      if (source === 'proxy') core.proxyLog.write(text);
      else core.upstreamLog.write(text);
    },
    synthesize: (request) => synthesizeCompletion(core, syntheticRng, request),
    scheduleLog: () => core.upstreamEnv.schedules.list(),
    close: async () => {
      if (closed) return;
      closed = true;
      core.close();
      await closeServer();
    },
  };
  return host;
}
