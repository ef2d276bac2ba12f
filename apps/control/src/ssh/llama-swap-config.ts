import { z } from 'zod';

/**
 * A zod schema of llama-swap's config.yaml (HEAD; protocol reference §8). Objects are strict so
 * that an unknown key shows up as an `unrecognized_keys` issue, which the validator reports as a
 * warning (a typo such as `ttl:` at the wrong level should be seen, but llama-swap itself ignores
 * unknown keys, so it must not block). Every other issue is an error and blocks an apply.
 *
 * `${env.VAR}` is substituted by llama-swap at text level before parsing, so numeric and boolean
 * fields also accept a whole-value env reference.
 */
const ENV_REF = /^\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}$/;
const envRef = (what: string) => z.string().regex(ENV_REF, `expected ${what} (or a \${env.NAME} reference)`);
const int = () => z.union([z.number().int('expected an integer'), envRef('an integer')], { error: 'expected an integer (or a ${env.NAME} reference)' });
const bool = () => z.union([z.boolean(), envRef('true or false')], { error: 'expected true or false (or a ${env.NAME} reference)' });
const strList = () => z.array(z.string());
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const ModelTimeoutsSchema = z.strictObject({
  connect: int().optional(),
  keepalive: int().optional(),
  responseHeader: int().optional(),
  tlsHandshake: int().optional(),
  expectContinue: int().optional(),
  idleConn: int().optional(),
});

const CapabilityKind = z.enum(['text', 'audio', 'image']);

export const LlamaSwapModelSchema = z.strictObject({
  cmd: z.string().min(1, 'cmd must not be empty'),
  cmdStop: z.string().optional(),
  proxy: z.string().optional(),
  aliases: strList().optional(),
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'env entries look like "NAME=value"')).optional(),
  checkEndpoint: z.string().optional(),
  ttl: int().optional(),
  unloadTimeout: int().optional(),
  unlisted: bool().optional(),
  useModelName: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  concurrencyLimit: int().optional(),
  filters: z
    .strictObject({
      stripParams: z.string().optional(),
      strip_params: z.string().optional(),
      setParams: z.record(z.string(), z.unknown()).optional(),
      setParamsByID: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  macros: z.record(z.string(), scalar).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  sendLoadingState: bool().optional(),
  timeouts: ModelTimeoutsSchema.optional(),
  compat: z.strictObject({ ignoreWebsockets: bool().optional() }).optional(),
  capabilities: z
    .strictObject({
      in: z.array(CapabilityKind).optional(),
      out: z.array(CapabilityKind).optional(),
      tools: bool().optional(),
      reranker: bool().optional(),
      context: int().optional(),
    })
    .optional(),
});

const GroupSchema = z.strictObject({
  swap: bool().optional(),
  exclusive: bool().optional(),
  persistent: bool().optional(),
  members: strList().optional(),
});

const MatrixSchema = z.strictObject({
  vars: z.record(z.string().regex(/^[A-Za-z0-9]{1,8}$/, 'matrix var names are 1-8 alphanumeric characters'), z.string()).optional(),
  evict_costs: z.record(z.string(), z.number().int().min(1)).optional(),
  sets: z.record(z.string(), z.string()).optional(),
});

const PeerSchema = z.strictObject({
  proxy: z.string(),
  apiKey: z.string().optional(),
  models: strList().optional(),
  filters: z.strictObject({ stripParams: z.string().optional(), setParams: z.record(z.string(), z.unknown()).optional() }).optional(),
  timeouts: ModelTimeoutsSchema.optional(),
});

export const LlamaSwapConfigSchema = z.strictObject({
  healthCheckTimeout: int().optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  logTimeFormat: z.string().optional(),
  logToStdout: z.enum(['proxy', 'upstream', 'both', 'none']).optional(),
  logRequests: bool().optional(),
  metricsMaxInMemory: int().optional(),
  captureBuffer: int().optional(),
  store: z.strictObject({ path: z.string().optional() }).optional(),
  ui: z.strictObject({ activity: z.strictObject({ session_id: strList().optional() }).optional() }).optional(),
  performance: z.strictObject({ disabled: bool().optional(), every: z.string().optional() }).optional(),
  globalTTL: int().optional(),
  unloadTimeout: int().optional(),
  startPort: int().optional(),
  sendLoadingState: bool().optional(),
  includeAliasesInList: bool().optional(),
  apiKeys: z.array(z.string().regex(/^\S+$/, 'API keys are non-empty and contain no spaces')).optional(),
  macros: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'macro names use letters, digits, _ and -'), scalar).optional(),
  models: z.record(z.string(), LlamaSwapModelSchema).optional(),
  hooks: z.strictObject({ on_startup: z.strictObject({ preload: strList().optional() }).optional() }).optional(),
  peers: z.record(z.string(), PeerSchema).optional(),
  upstream: z.strictObject({ ignorePaths: strList().optional() }).optional(),
  routing: z
    .strictObject({
      scheduler: z
        .strictObject({
          use: z.literal('fifo').optional(),
          settings: z.strictObject({ fifo: z.strictObject({ priority: z.record(z.string(), z.number().int()).optional() }).optional() }).optional(),
        })
        .optional(),
      router: z
        .strictObject({
          use: z.enum(['group', 'matrix']).optional(),
          settings: z.strictObject({ groups: z.record(z.string(), GroupSchema).optional(), matrix: MatrixSchema.optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  groups: z.record(z.string(), GroupSchema).optional(),
  matrix: MatrixSchema.optional(),
  profiles: z
    .record(z.string(), z.strictObject({ description: z.string().optional(), pins: z.record(z.string(), z.string().nullable()).optional() }))
    .optional(),
  selectors: z
    .record(
      z.string(),
      z.strictObject({
        strategy: z.enum(['warm', 'pin', 'spillover']),
        targets: strList(),
        settings: z.strictObject({ spillover: z.number().int().optional() }).optional(),
        name: z.string().optional(),
        description: z.string().optional(),
        unlisted: bool().optional(),
        metadata: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});
export type LlamaSwapConfig = z.infer<typeof LlamaSwapConfigSchema>;
export type LlamaSwapModel = z.infer<typeof LlamaSwapModelSchema>;
