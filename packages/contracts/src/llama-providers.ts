import { z } from 'zod';

/** A host id is used in URLs, topics, file names and SSH-free logs: keep it boring. */
export const HostIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'host id: lowercase letters, digits, "-" or "_", at most 63 characters');
export type HostId = z.infer<typeof HostIdSchema>;

export const ProviderKindSchema = z.enum(['llama-swap', 'openai']);
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

export const HttpUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

/** One entry of the provider registry (`LLAMA_PROVIDERS`). `apiKey` never leaves the control process. */
export const LlamaProviderSchema = z.object({
  id: HostIdSchema,
  label: z.string().min(1).max(120),
  baseUrl: HttpUrlSchema,
  kind: ProviderKindSchema,
  apiKey: z.string().min(1).optional(),
});
export type LlamaProvider = z.infer<typeof LlamaProviderSchema>;

export const LlamaProvidersSchema = z.array(LlamaProviderSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, p] of list.entries()) {
    if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate provider id "${p.id}"` });
    seen.add(p.id);
  }
});
