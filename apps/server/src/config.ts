import { z } from 'zod';
import { AuthModeSchema, isLoopbackHost } from '@boocontrol/contracts';

/** The only env reader of the gateway. */
export const ServerConfigSchema = z.object({
  SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(9500),
  CONTROL_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:9503')
    .transform((u) => u.replace(/\/+$/, '')),
  /** control's gateway listener (GATEWAY_PORT), relayed at /v1/*. */
  GATEWAY_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:9504')
    .transform((u) => u.replace(/\/+$/, '')),
  WEB_DIST: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Control's auth mode, read here only to refuse serving a credential-less control beyond loopback. */
  CONTROL_AUTH: AuthModeSchema.default('off'),
}).superRefine((c, ctx) => {
  if (c.CONTROL_AUTH === 'off' && !isLoopbackHost(c.SERVER_HOST)) {
    ctx.addIssue({ code: 'custom', path: ['CONTROL_AUTH'], message: `CONTROL_AUTH=off is only allowed while the gateway binds to loopback, but SERVER_HOST=${c.SERVER_HOST}; set CONTROL_AUTH=token (or proxy) for control and the gateway, or bind SERVER_HOST=127.0.0.1` });
  }
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const r = ServerConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!r.success) {
    const vars = [...new Set(r.error.issues.map((i) => String(i.path[0])))];
    throw new Error(`invalid configuration (${vars.join(', ')}): ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}
