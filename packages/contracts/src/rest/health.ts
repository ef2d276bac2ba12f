import { z } from 'zod';

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeS: z.number(),
  db: z.object({ backend: z.enum(['pglite', 'postgres']), ok: z.boolean(), error: z.string().optional() }),
  hosts: z.object({ total: z.number().int(), online: z.number().int() }),
  /** Counters a user watches for data loss: rows the writer had to drop, payloads rejected… */
  counters: z.record(z.string(), z.number()).optional(),
});
export type Health = z.infer<typeof HealthSchema>;
