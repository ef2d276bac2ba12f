import type { FastifyInstance } from 'fastify';
import { startSimHost, type SimHost, type SimHostOptions } from '@boocontrol/sim';
import { buildServerApp } from '../../../server/src/app';
import { startTestControl } from '../../../control/test/helpers/control';
import { backends } from '../../../control/test/helpers/db';
import { buildWebIfStale, WEB_DIST } from '../../../../scripts/web-build';

export interface Stack {
  sims: SimHost[];
  control: Awaited<ReturnType<typeof startTestControl>>['control'];
  controlUrl: string;
  baseUrl: string;
  server: FastifyInstance;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Simulated llama-swap hosts to watch (ids host-1, host-2, …), or none. */
  sims?: SimHostOptions[];
  /** Already-running llama-swap hosts to watch as well, after the sims (e.g. an SSH fixture's). */
  hosts?: { id: string; label: string; baseUrl: string }[];
  /** Extra control env (e.g. DEMO_FLEET: 'on'). */
  env?: Record<string, string>;
}

/**
 * The whole cockpit in this process on free ports: simulated hosts, control on a fresh
 * database (PGlite, or Postgres when TEST_DATABASE_URL is set — the first backend), the gateway
 * serving the built web app. Browser tests open `baseUrl`.
 */
/**
 * The database the browser suites run on: Postgres when TEST_DATABASE_URL is set (as in CI),
 * PGlite otherwise. Running every Chromium suite twice would double the slowest part of the
 * run; the embedded default is covered end to end by the quick-start suite, which starts the
 * real `pnpm start` path on PGlite.
 */
function e2eBackend() {
  const all = backends();
  return all[all.length - 1]!;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  buildWebIfStale({ quiet: true });
  const sims: SimHost[] = [];
  for (const [i, spec] of (opts.sims ?? []).entries()) sims.push(await startSimHost({ port: 0, seed: i + 1, ...spec }));
  const providers = [
    ...sims.map((s, i) => ({ id: `host-${i + 1}`, label: `Host ${i + 1}`, baseUrl: s.url })),
    ...(opts.hosts ?? []),
  ].map((p) => ({ ...p, kind: 'llama-swap' }));
  const t = await startTestControl(e2eBackend(), { LLAMA_PROVIDERS: JSON.stringify(providers), ...opts.env });
  const controlUrl = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
  const gatewayUrl = t.control.gateway?.url() ?? undefined;
  const server = await buildServerApp({ controlUrl, ...(gatewayUrl ? { gatewayUrl } : {}), webDist: WEB_DIST });
  const baseUrl = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    sims,
    control: t.control,
    controlUrl,
    baseUrl,
    server,
    async close() {
      await server.close();
      // The gateway's fetch pool can hold a connection to control that never carried a request
      // (a relay aborted while it was still connecting, e.g. a page closed mid-request); control's
      // close would wait for it until its headers timeout (~70 s). Nothing else talks to control.
      t.control.app.server.closeAllConnections();
      await t.close();
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}
