import { z } from 'zod';

export const LogQuerySchema = z.object({
  /** `proxy`, `upstream` or `model:<id>`. */
  source: z.string().min(1).max(200).default('proxy'),
  /** Characters from the end (control keeps about 512 KiB per source). */
  tail: z.coerce.number().int().min(1).max(4 * 1024 * 1024).default(256 * 1024),
});
export const LogHistorySchema = z.object({ hostId: z.string(), source: z.string(), text: z.string(), sources: z.array(z.string()) });
export type LogHistory = z.infer<typeof LogHistorySchema>;
