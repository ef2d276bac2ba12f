// Several simulated hosts in one process, and the demo fleet: three hosts with different models,
// load times, speeds and group layouts.
import { startSimHost } from './host';
import type { SimHost, SimHostOptions, SimVariance, Wire } from './types';

export interface SimFleetOptions {
  /** a count (demo configs are cycled) or explicit per-host options */
  hosts: number | SimHostOptions[];
  /** port of the first host; the others follow. Absent/0 = ephemeral ports */
  basePort?: number;
  seed?: number;
  wire?: Wire;
  perfEveryMs?: number;
}

export interface SimFleet {
  hosts: SimHost[];
  close(): Promise<void>;
}

/**
 * How much real hosts vary: most requests within ±12 % of the model's speed, one in 25 about 2.5×
 * slower (a neighbour's prompt, thermal throttling), so percentiles differ as they do in a fleet.
 */
export const DEMO_VARIANCE: SimVariance = { speedJitter: 0.12, slowChance: 0.04, slowFactor: 2.5 };

/**
 * Three distinct demo hosts. Times are realistic (seconds) and speeds vary per request
 * (DEMO_VARIANCE); tests should use their own small configs.
 */
export function demoFleetConfigs(): SimHostOptions[] {
  return [
    {
      name: 'rtx5090',
      variance: DEMO_VARIANCE,
      gpus: { count: 1, name: 'NVIDIA GeForce RTX 5090', totalMb: 32607, powerLimitW: 575 },
      cpuCores: 16,
      memTotalMb: 98304,
      config: {
        healthCheckTimeout: 120,
        groups: { main: { swap: true, exclusive: true, members: ['qwen3-32b', 'gemma3-27b', 'qwen3-coder-30b'] } },
        models: {
          'qwen3-32b': { name: 'Qwen3 32B', description: 'general assistant', aliases: ['q32'], loadMs: 6500, promptTps: 2600, genTps: 52, contextLength: 32768, vramMb: 23800, capabilities: { in: ['text'], out: ['text'], tools: true, context: 32768 }, ttl: 900 },
          'gemma3-27b': { name: 'Gemma 3 27B', description: 'vision', loadMs: 5200, promptTps: 2200, genTps: 41, contextLength: 16384, vramMb: 21500, capabilities: { in: ['text', 'image'], out: ['text'], context: 16384 } },
          'qwen3-coder-30b': { name: 'Qwen3 Coder 30B-A3B', description: 'coding MoE', aliases: ['coder'], loadMs: 4200, promptTps: 4800, genTps: 165, contextLength: 65536, vramMb: 19800, capabilities: { in: ['text'], out: ['text'], tools: true, context: 65536 }, metadata: { family: 'qwen3' } },
        },
      },
    },
    {
      name: 'p104',
      variance: DEMO_VARIANCE,
      gpus: { count: 1, name: 'NVIDIA P104-100', totalMb: 8192, powerLimitW: 180 },
      cpuCores: 4,
      memTotalMb: 16384,
      config: {
        groups: {
          embed: { swap: false, exclusive: false, persistent: true, members: ['nomic-embed-text-v1.5', 'bge-m3'] },
        },
        models: {
          'nomic-embed-text-v1.5': { name: 'Nomic Embed v1.5', loadMs: 1400, promptTps: 5200, genTps: 1, contextLength: 8192, vramMb: 600, embedding: true, embeddingDim: 768 },
          'bge-m3': { name: 'BGE-M3', loadMs: 2100, promptTps: 3100, genTps: 1, contextLength: 8192, vramMb: 1300, embedding: true, embeddingDim: 1024 },
          'qwen2.5-3b': { name: 'Qwen2.5 3B', description: 'small chat on an old card', loadMs: 3800, promptTps: 420, genTps: 24, contextLength: 8192, vramMb: 2600, ttl: 300 },
        },
      },
    },
    {
      name: 'dual-3090',
      variance: DEMO_VARIANCE,
      gpus: { count: 2, name: 'NVIDIA GeForce RTX 3090', totalMb: 24576, powerLimitW: 350 },
      cpuCores: 24,
      memTotalMb: 131072,
      config: {
        groups: {
          always: { swap: false, exclusive: false, persistent: true, members: ['qwen3-embedding-0.6b'] },
          big: { swap: true, exclusive: true, members: ['llama-3.3-70b', 'mistral-small-24b'] },
          tools: { swap: true, exclusive: false, members: ['phi-4-mini'] },
        },
        models: {
          'qwen3-embedding-0.6b': { name: 'Qwen3 Embedding 0.6B', loadMs: 1200, promptTps: 6000, genTps: 1, vramMb: 1200, gpus: [1], embedding: true, embeddingDim: 1024 },
          'llama-3.3-70b': { name: 'Llama 3.3 70B', description: 'split over both GPUs', loadMs: 14000, promptTps: 650, genTps: 17, contextLength: 16384, vramMb: 42000, gpus: [0, 1], capabilities: { in: ['text'], out: ['text'], tools: true, context: 16384 } },
          'mistral-small-24b': { name: 'Mistral Small 24B', loadMs: 5600, promptTps: 1500, genTps: 36, contextLength: 32768, vramMb: 15500, gpus: [0] },
          'phi-4-mini': { name: 'Phi-4 mini', description: 'non-exclusive helper', loadMs: 2400, promptTps: 3000, genTps: 85, contextLength: 16384, vramMb: 3900, gpus: [1], unlisted: false },
        },
      },
    },
  ];
}

export async function startSimFleet(o: SimFleetOptions): Promise<SimFleet> {
  const demo = demoFleetConfigs();
  const specs: SimHostOptions[] =
    typeof o.hosts === 'number'
      ? Array.from({ length: o.hosts }, (_, i) => {
          const base = demo[i % demo.length] as SimHostOptions;
          const round = Math.floor(i / demo.length);
          return { ...base, name: round === 0 ? base.name : `${base.name}-${round + 1}` };
        })
      : o.hosts;
  const hosts: SimHost[] = [];
  try {
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i] as SimHostOptions;
      hosts.push(
        await startSimHost({
          ...s,
          port: o.basePort ? o.basePort + i : (s.port ?? 0),
          seed: s.seed ?? (o.seed ?? 1) + i,
          wire: s.wire ?? o.wire ?? 'head',
          ...(o.perfEveryMs !== undefined ? { perfEveryMs: o.perfEveryMs } : {}),
        }),
      );
    }
  } catch (e) {
    await Promise.all(hosts.map((h) => h.close()));
    throw e;
  }
  return { hosts, close: async () => void (await Promise.all(hosts.map((h) => h.close()))) };
}
