import { createLoadGenerator, demoFleetConfigs, startSimFleet, type LoadGenerator, type SimConfig, type SimFleet } from '@boocontrol/sim';
import { demoScript } from '../evals/demo-answers';

export interface DemoHost {
  id: string;
  label: string;
  baseUrl: string;
}

export interface DemoFleet {
  hosts: DemoHost[];
  load: LoadGenerator;
  close(): Promise<void>;
}

const LABELS: Record<string, string> = {
  rtx5090: 'Desk RTX 5090',
  p104: 'Embed box P104',
  'dual-3090': 'Dual 3090 rig',
};

/**
 * Models the demo trickle asks for on each host: one chat model per host plus embeddings, so
 * the views show steady traffic without swapping every few seconds (a person can still switch).
 */
const TRAFFIC: Record<string, Array<string | { id: string; kind: 'embedding' }>> = {
  rtx5090: ['qwen3-coder-30b'],
  p104: [{ id: 'nomic-embed-text-v1.5', kind: 'embedding' }, 'qwen2.5-3b'],
  'dual-3090': ['mistral-small-24b', { id: 'qwen3-embedding-0.6b', kind: 'embedding' }],
};

/**
 * Speeds vary per request (the demo configs carry the simulator's DEMO_VARIANCE), so p50 and p95
 * differ. Integration contract: the fleet feature calls startDemoFleet() at start when
 * demoFleetEnabled(config) is true, registers each host with
 * `registry.addRuntimeHost({ ...host, kind: 'llama-swap', source: 'demo' })`, and closes the
 * demo fleet on stop.
 *
 * Three simulated llama-swap hosts on 127.0.0.1 with a steady trickle of requests: what
 * `pnpm start` watches when no hosts are configured. Everything runs in this process.
 */
export async function startDemoFleet(opts: { seed?: number; basePort?: number; rate?: number } = {}): Promise<DemoFleet> {
  const specs = demoFleetConfigs();
  // Eval prompts get scripted answers (right or wrong per model skill), so every shipped suite
  // gives a meaningful scoreboard on the demo; all other traffic keeps the usual pseudo-words.
  for (const spec of specs) {
    const models = (spec.config as SimConfig | undefined)?.models ?? {};
    for (const [id, m] of Object.entries(models)) if (!m.embedding) m.script = demoScript(id);
  }
  const fleet: SimFleet = await startSimFleet({ hosts: specs, seed: opts.seed ?? 1, ...(opts.basePort ? { basePort: opts.basePort } : {}) });
  const hosts = fleet.hosts.map((h, i) => {
    const name = specs[i]?.name ?? `sim-${i + 1}`;
    return { id: `demo-${name}`, label: LABELS[name] ?? name, baseUrl: h.url, name };
  });
  const load = createLoadGenerator({
    targets: hosts.map((h) => ({ url: h.baseUrl, models: TRAFFIC[h.name] ?? [] })).filter((t) => t.models.length > 0),
    rate: opts.rate ?? 0.6,
    concurrency: 4,
    promptTokens: [40, 900],
    maxTokens: [16, 220],
    seed: opts.seed ?? 1,
    stream: true,
    // Real clients repeat prefixes: a shared system prompt, and follow-up turns that resend the
    // history. That is what gives the demo's cache column (cache_n) real values.
    conversations: { systemPrompts: 2, systemTokens: [120, 400], followUp: 0.5, maxTurns: 4 },
  });
  load.start();
  return {
    hosts: hosts.map(({ id, label, baseUrl }) => ({ id, label, baseUrl })),
    load,
    async close() {
      await load.stop();
      await fleet.close();
    },
  };
}
