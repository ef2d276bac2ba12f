import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HostActionSchema, HostIdSchema, HostSshSettingsPatchSchema, HttpUrlSchema, ProviderKindSchema, SshModeSchema } from '@boocontrol/contracts';
import { AppError, isAppError } from '../lib/errors';
import { parsePinnedHostKey } from '../ssh/host-key';

/**
 * The hosts file (HOSTS_FILE, YAML or JSON; docs/hosts-file.md): hosts with their connection,
 * SSH settings and script actions. Validated as a whole at boot; a bad file stops nothing else
 * but is reported with every offending path.
 */
const SecretRefSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name under secrets/');

export const HostsFileHostSchema = z.strictObject({
  id: HostIdSchema,
  label: z.string().min(1).max(120).optional(),
  kind: ProviderKindSchema.default('llama-swap'),
  /** What the connector watches (for a script host: typically its primary slot). */
  baseUrl: HttpUrlSchema,
  /** API key file under secrets/ (never the key itself). */
  apiKeyRef: SecretRefSchema.optional(),
  /** llama-swap's healthCheckTimeout on that host (s): warm waits up to 2× this + 30 s. */
  healthCheckTimeoutS: z.number().int().min(15).max(3600).optional(),
  sshMode: SshModeSchema.optional(),
  ssh: z
    .strictObject({
      host: z.string(),
      port: z.number().int().min(1).max(65535).default(22),
      user: z.string(),
      identityFile: z.string(),
      hostKey: z.string(),
    })
    .optional(),
  configPath: z.string().optional(),
  restartCmd: z.string().optional(),
  modelsDir: z.string().optional(),
  /** Base URLs of the OpenAI-compatible slots (live /health and /v1/models per slot). */
  slots: z.strictObject({ primary: HttpUrlSchema.optional(), secondary: HttpUrlSchema.optional() }).optional(),
  actions: z.array(HostActionSchema).max(200).default([]),
});
export type HostsFileHost = z.infer<typeof HostsFileHostSchema>;

export const HostsFileSchema = z
  .strictObject({ hosts: z.array(HostsFileHostSchema).max(500) })
  .superRefine((f, ctx) => {
    const ids = new Set<string>();
    for (const [i, h] of f.hosts.entries()) {
      if (ids.has(h.id)) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'id'], message: `duplicate host id "${h.id}"` });
      ids.add(h.id);
      const seen = new Set<string>();
      for (const [j, a] of h.actions.entries()) {
        if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'actions', j, 'id'], message: `duplicate action id "${a.id}"` });
        seen.add(a.id);
      }
      if (h.actions.length > 0 && !h.ssh) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'ssh'], message: 'a host with actions needs ssh settings' });
      if (h.ssh) {
        // Same rules as PATCH /hosts/:id/ssh, so the file cannot set what the API would refuse.
        const r = HostSshSettingsPatchSchema.safeParse({
          ssh: h.ssh,
          ...(h.sshMode ? { sshMode: h.sshMode } : {}),
          ...(h.configPath ? { configPath: h.configPath } : {}),
          ...(h.restartCmd ? { restartCmd: h.restartCmd } : {}),
          ...(h.modelsDir ? { modelsDir: h.modelsDir } : {}),
        });
        if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: ['hosts', i, ...issue.path.map(String)], message: issue.message });
        try {
          parsePinnedHostKey(h.ssh.hostKey);
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['hosts', i, 'ssh', 'hostKey'], message: isAppError(err) ? err.message : 'invalid host key' });
        }
      }
    }
  });
export type HostsFile = z.infer<typeof HostsFileSchema>;

/** Parses hosts-file text (JSON when it starts with `{`, YAML otherwise). */
export function parseHostsFile(text: string, name = 'hosts file'): HostsFile {
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AppError('VALIDATION', `${name} is not valid ${text.trimStart().startsWith('{') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = HostsFileSchema.safeParse(doc ?? { hosts: [] });
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new AppError('VALIDATION', `${name} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return r.data;
}

export async function loadHostsFile(path: string): Promise<HostsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('VALIDATION', `cannot read HOSTS_FILE ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseHostsFile(text, `HOSTS_FILE ${path}`);
}
