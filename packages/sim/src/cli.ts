// pnpm sim -- --hosts 3 --base-port 18401 --seed 1 [--config file.yaml] [--wire head|v235] [--load]
// Serves one simulated llama-swap per port on 127.0.0.1 until Ctrl-C.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startSimFleet, demoFleetConfigs } from './fleet';
import { createLoadGenerator } from './load';
import { setWriteOffload } from './http/offload';
import type { LoadTarget } from './load';
import type { SimHostOptions, Wire } from './types';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '3' },
    'base-port': { type: 'string', default: '18401' },
    seed: { type: 'string', default: '1' },
    config: { type: 'string' },
    wire: { type: 'string', default: 'head' },
    load: { type: 'boolean', default: false },
    'load-rate': { type: 'string', default: '0.5' },
    'perf-every-ms': { type: 'string' },
    offload: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: sim [--hosts N] [--base-port P] [--seed S] [--config file.yaml] [--wire head|v235] [--load] [--load-rate R] [--perf-every-ms MS] [--offload]
  --config   one llama-swap-style YAML (models with loadMs/genTps/... instead of cmd) served by every host;
             without it the demo fleet (rtx5090, p104, dual-3090) is cycled over the hosts
  --load     a steady trickle of chat/embedding requests over every host (--load-rate req/s, default 0.5)
  --offload  write token bodies from a writer thread, each when due (more tokens/s and steadier pacing under heavy load)
  admin:     POST http://127.0.0.1:<port>/__sim/fault {"kind":"restart"} etc. (see packages/sim/README.md)`);
  process.exit(0);
}

const wire = values.wire as Wire;
if (wire !== 'head' && wire !== 'v235') {
  console.error(`--wire must be head or v235, got ${values.wire}`);
  process.exit(2);
}
const n = Number(values.hosts);
const basePort = Number(values['base-port']);
const seed = Number(values.seed);
const perfEveryMs = values['perf-every-ms'] ? Number(values['perf-every-ms']) : undefined;

let hosts: number | SimHostOptions[] = n;
if (values.config) {
  const text = readFileSync(values.config, 'utf8');
  hosts = Array.from({ length: n }, (_, i) => ({ name: `sim-${i + 1}`, config: text }));
}

if (values.offload) setWriteOffload(true);
const fleet = await startSimFleet({ hosts, basePort, seed, wire, ...(perfEveryMs ? { perfEveryMs } : {}) });
for (const h of fleet.hosts) console.log(`[sim] ${h.name.padEnd(14)} ${h.url}  wire=${h.wire} models=${[...h.config.models.keys()].join(',')}`);

let load: ReturnType<typeof createLoadGenerator> | null = null;
if (values.load) {
  const targets: LoadTarget[] = fleet.hosts.map((h) => ({
    url: h.url,
    ...(h.config.apiKeys[0] ? { apiKey: h.config.apiKeys[0] } : {}),
    models: [...h.config.models.values()].filter((m) => !m.unlisted).map((m) => ({ id: m.id, kind: m.embedding ? ('embedding' as const) : ('chat' as const) })),
  }));
  load = createLoadGenerator({
    targets,
    rate: Number(values['load-rate']),
    concurrency: 8,
    promptTokens: [20, 400],
    maxTokens: [16, 256],
    seed,
    stream: true,
    // shared system prompts and follow-ups, so the prompt cache is exercised as by real clients
    conversations: { systemPrompts: 2, systemTokens: [80, 300], followUp: 0.5, maxTurns: 4 },
  });
  load.start();
  console.log(`[sim] load generator running at ${values['load-rate']} req/s`);
}

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('\n[sim] shutting down');
  await load?.stop();
  await fleet.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
