import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isIP } from 'node:net';
import { AuthModeSchema, isLoopbackHost, LlamaProvidersSchema, ScopeSchema } from '@boocontrol/contracts';
import { BACKUPS_KEEP_MAX, BACKUPS_KEEP_MIN } from './ssh/backups';

/**
 * The only file that reads process.env. Values come from the environment, then from a
 * `.env.host` file (for keys the environment does not set), validated at boot: a bad value
 * stops the process with the names of the offending variables.
 */
const bool = z.enum(['on', 'off', 'auto']);
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/** A comma-separated list, blanks dropped. */
const list = (check?: (item: string) => string | undefined, def = '') =>
  z
    .string()
    .default(def)
    .transform((s, ctx) => {
      const items = s.split(',').map((x) => x.trim()).filter(Boolean);
      for (const item of items) {
        const problem = check?.(item);
        if (problem) ctx.addIssue({ code: 'custom', message: `${item}: ${problem}` });
      }
      return items;
    });

/** An IP address or a CIDR range (10.0.0.0/8, fd00::/8). */
function badAddress(item: string): string | undefined {
  const [ip, bits, extra] = item.split('/');
  const family = isIP(ip ?? '');
  if (!family || extra !== undefined) return 'not an IP address or CIDR range';
  if (bits === undefined) return undefined;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128) ? undefined : 'bad prefix length';
}

const badOrigin = (item: string): string | undefined => (/^https?:\/\/[^/\s]+$/.test(item) ? undefined : 'an origin is scheme://host[:port], no path');

export const ConfigSchema = z.object({
  CONTROL_HOST: z.string().min(1).default('127.0.0.1'),
  CONTROL_PORT: int(9503).pipe(z.number().max(65535)),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  PGLITE_DIR: z.string().default('./data/pglite'),
  /** The embedded PGlite's thread: `worker` keeps its engine off control's event loop; `main` runs it in-process. */
  PGLITE_THREAD: z.enum(['worker', 'main']).default('worker'),
  LLAMA_PROVIDERS: z
    .string()
    .default('[]')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(LlamaProvidersSchema),
  /** Optional YAML file of alert rules and notification channels (docs/alerts.md); default: the shipped rules. */
  ALERTS_FILE: z.string().optional(),
  ALERTS_EVAL_EVERY_MS: int(5_000, 100),
  /** Optional: each scheduled (daily / weekly) report is POSTed here as JSON. */
  REPORTS_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Optional YAML/JSON file describing hosts with SSH settings and script actions. */
  HOSTS_FILE: z.string().optional(),
  DEMO_FLEET: bool.default('auto'),
  DEMO_BASE_PORT: int(0),
  SECRETS_DIR: z.string().default('./secrets'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RETENTION_PERF_RAW_HOURS: int(48, 1),
  RETENTION_PERF_ROLLUP_DAYS: int(90, 1),
  RETENTION_ACTIVITY_DAYS: int(90, 1),
  /** Report rollups (hourly and daily) outlive the raw rows they summarize. */
  RETENTION_ROLLUP_DAYS: int(400, 1),
  /** Persisted host logs: kept this many days, and at most this much text per host × source. */
  RETENTION_LOG_DAYS: int(14, 1),
  LOG_MAX_MB_PER_SOURCE: int(8, 1),
  CAPTURE_MAX_ROW_BYTES: int(256 * 1024, 1024),
  CAPTURE_TOTAL_BUDGET_MB: int(512, 1),
  ACTION_QUEUE_MAX_PER_HOST: int(32, 1),
  /** Live jobs stamp their rows this often; a job unstamped for 3× this belonged to a dead control. */
  JOB_HEARTBEAT_MS: int(2_000, 50),
  /** Eval suites (evals/suites in the repo by default; docs/evals.md). */
  EVAL_SUITES_DIR: z.string().optional(),
  /** Code-eval sandboxes running at once. */
  EVAL_SANDBOX_POOL: int(2, 1).pipe(z.number().max(64)),
  /** `startup`: prove the sandbox when control starts; `lazy`: before the first code eval (tests). */
  EVAL_SANDBOX_SELFTEST: z.enum(['startup', 'lazy']).default('startup'),
  /** Config backups kept per SSH host; the wrapper's `prune` verb accepts the same 1..1000. */
  CONFIG_BACKUPS_KEEP: int(20, BACKUPS_KEEP_MIN).pipe(z.number().max(BACKUPS_KEEP_MAX)),
  /** off (loopback only) | token (Bearer tokens) | proxy (a trusted auth proxy's user header, or tokens). docs/access.md */
  CONTROL_AUTH: AuthModeSchema.default('off'),
  /** Proxy mode: addresses (IPs or CIDRs) of the auth proxies whose user header is believed. */
  CONTROL_AUTH_PROXY_ADDRESSES: list(badAddress),
  /** Proxy mode: the header that carries the authenticated user (Authelia, oauth2-proxy: Remote-User / X-Forwarded-User). */
  CONTROL_AUTH_PROXY_HEADER: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name').default('remote-user').transform((s) => s.toLowerCase()),
  /** Proxy mode: the scope a proxy-authenticated user gets. */
  CONTROL_AUTH_PROXY_SCOPE: ScopeSchema.default('admin'),
  /** Addresses whose X-Forwarded-For / -Host control believes: the gateway (apps/server) on loopback. */
  CONTROL_TRUSTED_HOPS: list(badAddress, '127.0.0.1,::1'),
  /** Origins allowed to call control cross-origin from a browser (CORS). Empty: none, and cross-origin requests are refused. */
  CONTROL_CORS_ORIGINS: list(badOrigin),
  /** Failed authentications allowed per client address within the window before AUTH_RATE_LIMITED. */
  CONTROL_AUTH_FAIL_LIMIT: int(20, 1),
  CONTROL_AUTH_FAIL_WINDOW_S: int(60, 1),
  /** The OpenAI-compatible fleet gateway (docs/gateway.md): its own listener, loopback by default. */
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  GATEWAY_PORT: int(9504).pipe(z.number().max(65535)),
  /** `consumer:key` pairs, comma-separated; keys are hashed at boot and never logged. */
  GATEWAY_KEYS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Array<{ consumer: string; key: string }> = [];
      for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
        const i = part.indexOf(':');
        const consumer = i > 0 ? part.slice(0, i) : '';
        const key = i > 0 ? part.slice(i + 1) : '';
        if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(consumer) || key.length < 16) {
          ctx.addIssue({ code: 'custom', message: 'each entry is consumer:key with a key of at least 16 characters' });
          return z.NEVER;
        }
        out.push({ consumer, key });
      }
      return out;
    }),
  /** How long a request waits for a leased host (bench/eval) before another candidate or 503 HOST_LEASED. */
  GATEWAY_LEASE_WAIT_MS: int(10_000),
  GATEWAY_MAX_BODY_MB: int(32, 1),
  /** First cooldown of a failing host; doubles per consecutive failure up to the max. */
  GATEWAY_COOLDOWN_MS: int(1_000, 50),
  GATEWAY_COOLDOWN_MAX_MS: int(30_000, 50),
  /** `auto:*` policies, model facts and host tags (YAML; docs/gateway.md). */
  ROUTING_FILE: z.string().optional(),
}).superRefine((c, ctx) => {
  // Without credentials, control is safe only where nothing but this machine can reach it.
  if (c.CONTROL_AUTH === 'off' && !isLoopbackHost(c.CONTROL_HOST)) {
    ctx.addIssue({ code: 'custom', path: ['CONTROL_AUTH'], message: `CONTROL_AUTH=off is only allowed while control binds to loopback, but CONTROL_HOST=${c.CONTROL_HOST}; set CONTROL_AUTH=token (or proxy), or bind CONTROL_HOST=127.0.0.1` });
  }
  if (c.CONTROL_AUTH === 'proxy' && c.CONTROL_AUTH_PROXY_ADDRESSES.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['CONTROL_AUTH_PROXY_ADDRESSES'], message: 'CONTROL_AUTH=proxy needs the addresses of the auth proxies whose user header is trusted' });
  }
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly variables: string[], message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Minimal dotenv: KEY=VALUE lines, # comments, optional single or double quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? '';
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    out[m[1]!] = value;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = resolve(env.BOOCONTROL_ENV_FILE ?? '.env.host')): Config {
  const fileVars = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fileVars };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const vars = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))];
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(vars, `invalid configuration (${vars.join(', ')}): ${detail}`);
  }
  return parsed.data;
}

/** Whether control should start the simulated demo fleet. */
export function demoFleetEnabled(cfg: Config): boolean {
  if (cfg.DEMO_FLEET === 'on') return true;
  if (cfg.DEMO_FLEET === 'off') return false;
  return cfg.LLAMA_PROVIDERS.length === 0 && !cfg.HOSTS_FILE;
}
