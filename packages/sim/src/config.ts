// Turns a llama-swap-like config (object or YAML) into the normalized form the engine uses, with
// llama-swap's defaults applied (see the protocol reference §8).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { NormalizedModel, SimCapabilities, SimConfig, SimGroupConfig, SimProfileConfig } from './types';
import type { SimSchedule, SimScript, SimVariance } from './timing';
import { ScheduleError, checkStep } from './upstream/plan';
import { ScriptError, checkScript } from './upstream/script';

export const DEFAULT_GROUP = '(default)';

/** A config the simulator cannot serve: bad types, unknown group members, duplicate aliases… */
export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
}

export interface NormalizedGroup {
  id: string;
  swap: boolean;
  exclusive: boolean;
  persistent: boolean;
  members: string[];
}

export interface NormalizedConfig {
  models: Map<string, NormalizedModel>;
  /** alias → model id */
  aliases: Map<string, string>;
  groups: Map<string, NormalizedGroup>;
  priority: Record<string, number>;
  apiKeys: string[];
  healthCheckTimeoutMs: number;
  metricsMaxInMemory: number;
  captureBufferBytes: number;
  globalTTL: number;
  logToStdout: 'proxy' | 'upstream' | 'both' | 'none';
  includeAliasesInList: boolean;
  sessionIdHeaders: string[];
  profiles: Map<string, SimProfileConfig>;
  performanceDisabled: boolean;
  ignorePaths: RegExp[];
  raw: SimConfig;
}

const capsSchema = z
  .object({
    in: z.array(z.enum(['text', 'image', 'audio'])).optional(),
    out: z.array(z.enum(['text', 'image', 'audio'])).optional(),
    tools: z.boolean().optional(),
    reranker: z.boolean().optional(),
    context: z.number().optional(),
  })
  .loose();

export const varianceSchema = z
  .object({
    speedJitter: z.number().min(0).max(1).optional(),
    slowChance: z.number().min(0).max(1).optional(),
    slowFactor: z.number().min(1).optional(),
  })
  .loose();

// steps are checked by checkStep (shared with schedule functions, whose results are only known per request)
const scheduleSchema = z.union([z.custom<(i: number) => unknown>((v) => typeof v === 'function', 'a function'), z.array(z.unknown()).min(1), z.record(z.string(), z.unknown())]);

const modelSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    aliases: z.array(z.string()).optional(),
    unlisted: z.boolean().optional(),
    ttl: z.number().int().optional(),
    concurrencyLimit: z.number().int().min(0).optional(),
    capabilities: capsSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    loadMs: z.number().min(0).optional(),
    stopMs: z.number().min(0).optional(),
    promptTps: z.number().positive().optional(),
    genTps: z.number().positive().optional(),
    contextLength: z.number().int().positive().optional(),
    vramMb: z.number().min(0).optional(),
    gpus: z.array(z.number().int().min(0)).optional(),
    embedding: z.boolean().optional(),
    embeddingDim: z.number().int().positive().optional(),
    failLoad: z.boolean().optional(),
    llamaServer: z.enum(['legacy', 'current', 'newest']).optional(),
    variance: varianceSchema.optional(),
    schedule: scheduleSchema.optional(),
    // rules are checked by checkScript (a function only per request)
    script: z.union([z.custom<(r: unknown) => unknown>((v) => typeof v === 'function', 'a function'), z.array(z.unknown())]).optional(),
  })
  .loose();

const groupSchema = z
  .object({
    swap: z.boolean().optional(),
    exclusive: z.boolean().optional(),
    persistent: z.boolean().optional(),
    members: z.array(z.string()).default([]),
  })
  .loose();

const configSchema = z
  .object({
    models: z.record(z.string(), modelSchema.nullable()).default({}),
    groups: z.record(z.string(), groupSchema).optional(),
    routing: z
      .object({
        router: z
          .object({ use: z.string().optional(), settings: z.object({ groups: z.record(z.string(), groupSchema).optional() }).loose().optional() })
          .loose()
          .optional(),
        scheduler: z
          .object({ settings: z.object({ fifo: z.object({ priority: z.record(z.string(), z.number()).optional() }).loose().optional() }).loose().optional() })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    apiKeys: z.array(z.string()).optional(),
    healthCheckTimeout: z.number().optional(),
    metricsMaxInMemory: z.number().optional(),
    captureBuffer: z.number().optional(),
    globalTTL: z.number().optional(),
    logToStdout: z.enum(['proxy', 'upstream', 'both', 'none']).optional(),
    includeAliasesInList: z.boolean().optional(),
    ui: z.object({ activity: z.object({ session_id: z.array(z.string()).optional() }).loose().optional() }).loose().optional(),
    profiles: z
      .record(z.string(), z.object({ description: z.string().optional(), pins: z.record(z.string(), z.string().nullable()).default({}) }).loose())
      .optional(),
    performance: z.object({ disabled: z.boolean().optional(), every: z.union([z.string(), z.number()]).optional() }).loose().optional(),
    upstream: z.object({ ignorePaths: z.array(z.string()).optional() }).loose().optional(),
  })
  .loose();

export function parseConfigInput(input: SimConfig | string | undefined): SimConfig {
  if (input === undefined) return { models: {} };
  if (typeof input === 'string') {
    const doc: unknown = parseYaml(input);
    return (doc ?? { models: {} }) as SimConfig;
  }
  return input;
}

export function normalizeConfig(input: SimConfig | string | undefined): NormalizedConfig {
  const raw = parseConfigInput(input);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new SimConfigError(`invalid sim config: ${z.prettifyError(parsed.error)}`);
  const c = parsed.data;

  const groupsIn: Record<string, SimGroupConfig> = c.routing?.router?.settings?.groups ?? c.groups ?? {};
  const groups = new Map<string, NormalizedGroup>();
  const modelToGroup = new Map<string, string>();
  for (const [gid, g] of Object.entries(groupsIn)) {
    const members = g.members ?? [];
    for (const m of members) {
      const prev = modelToGroup.get(m);
      if (prev !== undefined) throw new SimConfigError(`model "${m}" is in multiple groups: "${prev}" and "${gid}"`);
      modelToGroup.set(m, gid);
    }
    groups.set(gid, {
      id: gid,
      swap: g.swap ?? true,
      exclusive: g.exclusive ?? true,
      persistent: g.persistent ?? false,
      members: [...members],
    });
  }

  const models = new Map<string, NormalizedModel>();
  const aliases = new Map<string, string>();
  const ungrouped: string[] = [];
  for (const id of Object.keys(c.models).sort()) {
    const m = c.models[id] ?? {};
    let group = modelToGroup.get(id);
    if (group === undefined) {
      group = DEFAULT_GROUP;
      ungrouped.push(id);
    }
    const caps = (m.capabilities ?? null) as SimCapabilities | null;
    const nm: NormalizedModel = {
      id,
      name: m.name ?? '',
      description: m.description ?? '',
      aliases: [...(m.aliases ?? [])],
      unlisted: m.unlisted ?? false,
      ttl: m.ttl ?? -1,
      concurrencyLimit: m.concurrencyLimit && m.concurrencyLimit > 0 ? m.concurrencyLimit : 10,
      capabilities: caps,
      metadata: { ...(m.metadata ?? {}) },
      loadMs: m.loadMs ?? 2000,
      stopMs: m.stopMs ?? 50,
      promptTps: m.promptTps ?? 1000,
      genTps: m.genTps ?? 50,
      contextLength: m.contextLength ?? caps?.context ?? 8192,
      vramMb: m.vramMb ?? 4096,
      gpus: m.gpus && m.gpus.length > 0 ? [...m.gpus] : [0],
      embedding: m.embedding ?? false,
      embeddingDim: m.embeddingDim ?? 384,
      failLoad: m.failLoad ?? false,
      group,
      llamaServer: m.llamaServer ?? null,
      variance: (m.variance as SimVariance | undefined) ?? null,
      schedule: checkedSchedule(id, m.schedule),
      script: checkedScript(id, m.script),
    };
    models.set(id, nm);
    for (const a of nm.aliases) {
      if (aliases.has(a) || c.models[a] !== undefined) throw new SimConfigError(`duplicate alias "${a}"`);
      aliases.set(a, id);
    }
  }
  for (const [gid, g] of groups) {
    for (const mem of g.members) if (!models.has(mem)) throw new SimConfigError(`group "${gid}" member "${mem}" is not a configured model`);
  }
  if (ungrouped.length > 0) {
    groups.set(DEFAULT_GROUP, { id: DEFAULT_GROUP, swap: true, exclusive: true, persistent: false, members: ungrouped });
  }

  const apiKeys = (c.apiKeys ?? []).filter((k) => k.length > 0);
  for (const k of apiKeys) if (/\s/.test(k)) throw new SimConfigError('apiKeys must not contain spaces');

  const hct = c.healthCheckTimeout ?? 120;
  const mmim = c.metricsMaxInMemory ?? 1000;
  return {
    models,
    aliases,
    groups,
    priority: { ...(c.routing?.scheduler?.settings?.fifo?.priority ?? {}) },
    apiKeys,
    healthCheckTimeoutMs: Math.max(15, hct) * 1000,
    metricsMaxInMemory: mmim > 0 ? mmim : 1000,
    captureBufferBytes: Math.max(0, c.captureBuffer ?? 5) * 1024 * 1024,
    globalTTL: c.globalTTL ?? 0,
    logToStdout: c.logToStdout ?? 'proxy',
    includeAliasesInList: c.includeAliasesInList ?? false,
    sessionIdHeaders: c.ui?.activity?.session_id ?? ['X-Session-ID', 'X-Litellm-Session-Id'],
    profiles: new Map(Object.entries(c.profiles ?? {}).map(([k, v]) => [k, { description: v.description ?? '', pins: v.pins }])),
    performanceDisabled: c.performance?.disabled ?? false,
    ignorePaths: (c.upstream?.ignorePaths ?? ['.*\\.(js|json|css|png|gif|jpg|jpeg|ico|txt)$']).map((p) => new RegExp(p)),
    raw,
  };
}

/** Resolves a requested name (id or alias) to the real model id. */
export function resolveModel(cfg: NormalizedConfig, name: string): string | undefined {
  if (cfg.models.has(name)) return name;
  return cfg.aliases.get(name);
}

/** Effective TTL in seconds (0 = never). */
export function effectiveTtl(cfg: NormalizedConfig, m: NormalizedModel): number {
  return m.ttl < 0 ? cfg.globalTTL : m.ttl;
}

/**
 * Longest configured model id or alias that prefixes `path` segment-wise (ids may contain "/").
 * Returns the matched name, the real id and the remaining path (starting with "/", or "" when the
 * path ends right after the name).
 */
export function findModelInPath(cfg: NormalizedConfig, path: string): { name: string; id: string; rest: string } | undefined {
  const parts = path.split('/');
  let name = '';
  let found: { name: string; id: string; rest: string } | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') continue;
    name = name === '' ? part : `${name}/${part}`;
    const id = resolveModel(cfg, name);
    if (id !== undefined) {
      const restParts = parts.slice(i + 1);
      found = { name, id, rest: restParts.length === 0 ? '' : '/' + restParts.join('/') };
    }
  }
  return found;
}

function checkedScript(model: string, s: unknown): SimScript | null {
  try {
    return checkScript(model, s);
  } catch (e) {
    if (e instanceof ScriptError) throw new SimConfigError(`invalid sim config: ${e.message}`);
    throw e;
  }
}

function checkedSchedule(model: string, s: unknown): SimSchedule | null {
  if (s === undefined) return null;
  try {
    if (typeof s === 'function') return s as SimSchedule;
    if (Array.isArray(s)) return s.map((step, i) => checkStep(step, `model "${model}" step ${i}`));
    return checkStep(s, `model "${model}"`);
  } catch (e) {
    if (e instanceof ScheduleError) throw new SimConfigError(`invalid sim config: ${e.message}`);
    throw e;
  }
}
