import { z } from 'zod';
import { HostSummarySchema } from '../fleet';
import { HostIdSchema, HttpUrlSchema, ProviderKindSchema } from '../llama-providers';

export const HostListSchema = z.object({ hosts: z.array(HostSummarySchema) });
export type HostList = z.infer<typeof HostListSchema>;
export const HostParamsSchema = z.object({ id: z.string().min(1).max(63) });

/** A file name under secrets/ holding the host's API key (the key itself never goes over the API). */
export const SecretRefSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name under secrets/');

export const HostCreateSchema = z.object({
  id: HostIdSchema,
  label: z.string().min(1).max(120),
  baseUrl: HttpUrlSchema,
  kind: ProviderKindSchema.default('llama-swap'),
  apiKeyRef: SecretRefSchema.optional(),
});
export type HostCreate = z.infer<typeof HostCreateSchema>;

/**
 * PUT /hosts/:id replaces a host's connection facts (PATCH /hosts/:id belongs to the SSH
 * settings). Omitting apiKeyRef, or null, means no key.
 */
export const HostUpdateSchema = z.object({
  label: z.string().min(1).max(120),
  baseUrl: HttpUrlSchema,
  kind: ProviderKindSchema.default('llama-swap'),
  apiKeyRef: SecretRefSchema.nullable().optional(),
});
export type HostUpdate = z.infer<typeof HostUpdateSchema>;

export const HostDetailSchema = z.object({
  host: HostSummarySchema,
  config: z.object({
    source: z.enum(['config', 'ui', 'demo']),
    apiKeyRef: z.string().nullable(),
    hasApiKey: z.boolean(),
    /** Hosts from LLAMA_PROVIDERS are changed in the configuration, not here. */
    editable: z.boolean(),
  }),
});
export type HostDetail = z.infer<typeof HostDetailSchema>;
