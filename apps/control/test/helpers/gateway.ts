import { startSimHost, type SimConfig, type SimHost } from '@boocontrol/sim';
import type { Control, CreateControlOptions } from '../../src/control';
import type { Backend, TestDb } from './db';
import { startTestControl } from './control';
import { FAST, waitFor } from './fleet';

/** Two chat models and an embedding model; loads in 40 ms, fast tokens. */
export const GW_CONFIG: SimConfig = {
  models: {
    quick: { name: 'Quick', loadMs: 40, genTps: 2000, promptTps: 20000 },
    other: { name: 'Other', loadMs: 40, genTps: 2000, promptTps: 20000 },
    paced: { name: 'Paced', loadMs: 20, schedule: { firstTokenMs: 40, gapMs: 60, tokens: 10 } },
    'embed-small': { name: 'Embed', loadMs: 20, embedding: true, embeddingDim: 16 },
  },
  groups: { chat: { swap: true, exclusive: false, members: ['quick', 'other', 'paced'] }, emb: { swap: false, exclusive: false, persistent: true, members: ['embed-small'] } },
};

export interface GatewayFixture {
  control: Control;
  testDb: TestDb;
  sims: SimHost[];
  /** the gateway's base URL (http://127.0.0.1:<port>) */
  url: string;
  /** control's REST base URL */
  api: string;
  close(): Promise<void>;
}

/**
 * Simulated hosts `a`, `b`… and a control with every feature (the gateway included) watching
 * them; resolves once every host is online with its models listed.
 */
export async function startGatewayFixture(
  backend: Backend,
  opts: { hosts?: number; env?: Record<string, string>; control?: Omit<CreateControlOptions, 'db'>; config?: SimConfig } = {},
): Promise<GatewayFixture> {
  const n = opts.hosts ?? 2;
  const sims: SimHost[] = [];
  for (let i = 0; i < n; i++) sims.push(await startSimHost({ seed: 7, perfEveryMs: 1000, config: opts.config ?? GW_CONFIG }));
  const ids = sims.map((_, i) => String.fromCharCode(97 + i));
  const providers = sims.map((s, i) => ({ id: ids[i]!, label: ids[i]!.toUpperCase(), baseUrl: s.url, kind: 'llama-swap' as const }));
  const started = await startTestControl(backend, { LLAMA_PROVIDERS: JSON.stringify(providers), GATEWAY_LEASE_WAIT_MS: '600', GATEWAY_COOLDOWN_MS: '300', ...opts.env }, { fleet: FAST, gateway: { recorderFlushMs: 50 }, ...opts.control });
  const { control } = started;
  await waitFor('hosts online', () => ids.every((id) => control.ctx.fleet.get(id)?.status === 'online' && (control.ctx.fleet.get(id)?.models.length ?? 0) > 0));
  const api = await control.app.listen({ host: '127.0.0.1', port: 0 });
  const url = control.gateway?.url();
  if (!url) throw new Error('the gateway did not start');
  return {
    control,
    testDb: started.testDb,
    sims,
    url,
    api,
    async close() {
      await started.close();
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}

/** Waits until the fleet view shows `model` on `hostId` in `state`. */
export function modelState(f: GatewayFixture, hostId: string, model: string, state: string): Promise<true> {
  return waitFor(`${hostId}/${model} ${state}`, () => f.control.ctx.fleet.get(hostId)?.models.find((m) => m.id === model)?.state === state || undefined);
}

/** Loads a model on a sim host directly (a request the gateway does not see). */
export async function warm(sim: SimHost, model: string): Promise<void> {
  const r = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'warm' }], max_tokens: 1 }) });
  await r.text();
  if (r.status !== 200) throw new Error(`warm ${model}: ${r.status}`);
}

export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'tell me something' }], max_tokens: 8, ...extra });

/** The newest activity id on a sim host (0 when none). */
export async function lastActivityId(sim: { url: string }): Promise<number> {
  const page = (await (await fetch(`${sim.url}/api/metrics/activity?limit=1&sort=id&order=desc`)).json()) as { data: Array<{ id: number }> };
  return page.data[0]?.id ?? 0;
}

/**
 * The host's own capture of the first request after activity id `after`: the bytes it received
 * and sent. The host stores the row just after the last byte, so this waits for it.
 */
export async function captureAfter(sim: { url: string }, model: string, after: number): Promise<{ req: string; resp: string }> {
  const id = await waitFor('the host activity row', async () => {
    const page = (await (await fetch(`${sim.url}/api/metrics/activity?limit=1&sort=id&order=asc&model=${model}&min_id=${after + 1}`)).json()) as { data: Array<{ id: number }> };
    return page.data[0]?.id;
  });
  const cap = (await (await fetch(`${sim.url}/api/captures/${id}`)).json()) as { req_body: string; resp_body: string };
  return { req: Buffer.from(cap.req_body, 'base64').toString('utf8'), resp: Buffer.from(cap.resp_body, 'base64').toString('utf8') };
}
