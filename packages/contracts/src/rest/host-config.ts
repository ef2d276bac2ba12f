import { z } from 'zod';
import { JobSchema } from '../jobs';

/**
 * Host config over SSH (issue 6): SSH settings, llama-swap config.yaml read/validate/diff/apply,
 * backups, and model pulls. The name rules below are shared so the web app can check input as
 * the user types; control checks them again before anything reaches a host, and the wrapper
 * script on the host checks them a third time.
 */

export const SshModeSchema = z.enum(['shell', 'wrapper']);
export type SshMode = z.infer<typeof SshModeSchema>;

const noControlChars = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);
const safeSegment = (s: string) => s !== '.' && s !== '..' && !s.includes('..') && !s.startsWith('-');

/** A Hugging Face repo id: `owner/name`, each `[A-Za-z0-9._-]+`, no `..`, no leading `-`. */
export const HfRepoSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, 'repo must look like owner/name (letters, digits, . _ -)')
  .refine((s) => s.split('/').every(safeSegment), 'repo parts must not contain ".." or start with "-"');

/** A file inside a repo: relative path of `[A-Za-z0-9._-]` segments, no `..`, no leading `-` or `/`. */
export const HfFileSchema = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'file must be a relative file name (letters, digits, . _ - and /)')
  .refine((s) => s.split('/').every(safeSegment), 'file parts must not contain ".." or start with "-"');

/** A key file name inside control's secrets directory; never a path. */
export const IdentityFileSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/, 'identityFile is a file name inside the secrets directory, not a path')
  .refine(safeSegment, 'identityFile must not contain ".." or start with "-"');

const AbsolutePathSchema = z
  .string()
  .max(1024)
  .regex(/^\//, 'must be an absolute path')
  .refine(noControlChars, 'must not contain control characters')
  .refine((s) => !s.split('/').includes('..'), 'must not contain ".." segments');

export const SshSettingsSchema = z.object({
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  user: z.string().nullable(),
  identityFile: z.string().nullable(),
  /** The pinned host key (public; never a private key). */
  hostKey: z.string().nullable(),
});

export const HostSshSettingsSchema = z.object({
  id: z.string(),
  sshMode: SshModeSchema,
  ssh: SshSettingsSchema,
  configPath: z.string().nullable(),
  restartCmd: z.string().nullable(),
  modelsDir: z.string().nullable(),
});
export type HostSshSettings = z.infer<typeof HostSshSettingsSchema>;

/** PATCH body: absent fields are kept, `null` clears a field. */
export const HostSshSettingsPatchSchema = z.strictObject({
  sshMode: SshModeSchema.optional(),
  ssh: z
    .strictObject({
      host: z
        .string()
        .max(255)
        .regex(/^[A-Za-z0-9.:_[\]-]+$/, 'host must be a host name or an IP address')
        .refine((s) => !s.startsWith('-'), 'host must not start with "-"')
        .nullable()
        .optional(),
      port: z.number().int().min(1).max(65535).nullable().optional(),
      user: z
        .string()
        .max(64)
        .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'user must be a plain user name')
        .nullable()
        .optional(),
      identityFile: IdentityFileSchema.nullable().optional(),
      hostKey: z.string().max(4096).refine(noControlChars, 'hostKey must be one line').nullable().optional(),
    })
    .optional(),
  configPath: AbsolutePathSchema.nullable().optional(),
  /** Shell mode only: the operator's own restart command line, run as-is on the host. */
  restartCmd: z.string().min(1).max(2048).refine((s) => !/[\u0000\r\n]/.test(s), 'restartCmd must be one line').nullable().optional(),
  modelsDir: AbsolutePathSchema.nullable().optional(),
});
export type HostSshSettingsPatch = z.infer<typeof HostSshSettingsPatchSchema>;

export const ConfigIssueSchema = z.object({
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  /** Dotted path inside the YAML document, e.g. `models.qwen.ttl`; empty for the whole file. */
  path: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type ConfigIssue = z.infer<typeof ConfigIssueSchema>;

export const ConfigValidationSchema = z.object({
  ok: z.boolean(),
  errors: z.array(ConfigIssueSchema),
  warnings: z.array(ConfigIssueSchema),
  modelIds: z.array(z.string()),
});
export type ConfigValidation = z.infer<typeof ConfigValidationSchema>;

/** Config text is bounded: llama-swap configs are kilobytes, not megabytes. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
const ConfigTextField = z.string().max(CONFIG_MAX_BYTES);
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256');

export const HostConfigSchema = z.object({
  path: z.string(),
  text: z.string(),
  sha256: Sha256Schema,
  mode: SshModeSchema,
});
export type HostConfig = z.infer<typeof HostConfigSchema>;

export const ConfigTextBodySchema = z.object({ text: ConfigTextField });

export const ConfigDiffSchema = z.object({
  /** Unified diff from the host's current file to the proposed text ('' when identical). */
  diff: z.string(),
  baseSha256: Sha256Schema,
  identical: z.boolean(),
  added: z.number().int(),
  removed: z.number().int(),
});
export type ConfigDiff = z.infer<typeof ConfigDiffSchema>;

export const ConfigApplyBodySchema = z.object({
  text: ConfigTextField,
  /** sha256 of the remote file the edit started from; the apply refuses if it changed. */
  baseHash: Sha256Schema,
});

export const ConfigBackupSchema = z.object({
  /** Full path on the host. */
  path: z.string(),
  name: z.string(),
  /** From the name's timestamp, when it carries one. */
  createdAt: z.string().nullable(),
});
export const ConfigBackupListSchema = z.object({ backups: z.array(ConfigBackupSchema) });
export type ConfigBackup = z.infer<typeof ConfigBackupSchema>;

export const ConfigRestoreBodySchema = z.object({ backup: z.string().min(1).max(1024) });

export const PullBodySchema = z.object({ repo: HfRepoSchema, file: HfFileSchema.optional() });
export type PullBody = z.infer<typeof PullBodySchema>;

/** Config apply, restore and pull answer at once with the queued job; watch it on `jobs`. */
export const JobAcceptedSchema = z.object({ job: JobSchema });
