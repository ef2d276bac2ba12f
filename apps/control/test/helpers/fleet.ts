import { startSimHost, type SimConfig, type SimHost, type SimHostOptions } from '@boocontrol/sim';
import type { Db } from '../../src/db/db';
import { createControl, type Control, type FeatureName } from '../../src/control';
import type { FleetOptions, FleetServices } from '../../src/fleet/fleet-services';
import { silentLogger, testConfig } from './control';

/** Fast timings so fault tests finish in seconds; the logic is the same as production. */
export const FAST: FleetOptions = {
  timings: {
    probeEveryMs: 400,
    probeTimeoutMs: 1500,
    reconcileEveryMs: 1500,
    requestTimeoutMs: 8000,
    connectTimeoutMs: 3000,
    backoffBaseMs: 200,
    backoffMaxMs: 1000,
  },
  retention: { disabled: true },
  logs: { flushEveryMs: 50 },
};

/** A quick test model: loads in 50 ms and generates fast. */
export const QUICK_CONFIG: SimConfig = {
  models: {
    quick: { name: 'Quick', loadMs: 50, genTps: 4000, promptTps: 20000 },
    other: { name: 'Other', loadMs: 50, genTps: 4000, promptTps: 20000 },
  },
};

export async function startSim(opts: SimHostOptions = {}): Promise<SimHost> {
  return startSimHost({ perfEveryMs: 1000, config: QUICK_CONFIG, ...opts });
}

export type Provider = { id: string; label: string; baseUrl: string; kind: 'llama-swap' | 'openai'; apiKey?: string };

/**
 * A control instance with only the features under test, on a database that outlives it
 * (`close` does not close the database), so a test can restart control on the same data.
 */
export async function startFleetControl(
  db: Db,
  providers: Provider[],
  opts: FleetOptions = FAST,
  env: Record<string, string> = {},
  features: readonly FeatureName[] = ['health', 'fleet'],
): Promise<Control> {
  const keepOpen: Db = { backend: db.backend, query: (s, p) => db.query(s, p), exec: (s) => db.exec(s), tx: (fn) => db.tx(fn), close: async () => undefined };
  const control = await createControl(testConfig({ LLAMA_PROVIDERS: JSON.stringify(providers), ...env }), {
    db: keepOpen,
    logger: silentLogger(),
    features,
    fleet: opts,
    metrics: { processMetrics: false },
  });
  await control.start();
  return control;
}

export const services = (c: Control): FleetServices => {
  if (!c.fleet) throw new Error('this control runs without the fleet feature');
  return c.fleet;
};

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One chat completion straight to the simulated host; resolves with the HTTP status. */
export async function chat(sim: { url: string }, model = 'quick', opts: { stream?: boolean; maxTokens?: number; apiKey?: string } = {}): Promise<number> {
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }], max_tokens: opts.maxTokens ?? 8, stream: opts.stream ?? false }),
  });
  await res.text();
  return res.status;
}

/** `n` requests, `concurrency` at a time; returns how many got a 200. */
export async function chatMany(sim: { url: string }, n: number, concurrency = 4, model = 'quick'): Promise<number> {
  let ok = 0;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      if ((await chat(sim, model)) === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ok;
}

export interface StoredKey {
  epoch: number;
  upstream_id: number;
}

export async function storedRows(db: Db, hostId: string): Promise<StoredKey[]> {
  const r = await db.query<StoredKey>('SELECT epoch, upstream_id FROM control_activity WHERE host_id = $1 ORDER BY epoch, upstream_id', [hostId]);
  return r.rows;
}

export const status = (c: Control, id: string) => c.ctx.fleet.get(id)?.status;

/**
 * "Nothing more will arrive": two reconciliation passes that started after this call have
 * completed (each asks activity for a catch-up from the host), then the writer has written
 * everything queued. Replaces fixed sleeps before asserting that no row was repeated or missed.
 */
export async function settled(c: Control, timeoutMs = 20_000): Promise<void> {
  const start = c.ctx.counters.get('connector.reconciles');
  await waitFor('two reconciliation passes', () => c.ctx.counters.get('connector.reconciles') >= start + 2, timeoutMs);
  await services(c).writer.drain(timeoutMs);
}
