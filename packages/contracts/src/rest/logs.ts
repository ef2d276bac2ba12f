import { z } from 'zod';

export const LogQuerySchema = z.object({
  /** `proxy`, `upstream` or `model:<id>`. */
  source: z.string().min(1).max(200).default('proxy'),
  /** Characters from the end (control keeps about 512 KiB per source). */
  tail: z.coerce.number().int().min(1).max(4 * 1024 * 1024).default(256 * 1024),
});
export const LogHistorySchema = z.object({ hostId: z.string(), source: z.string(), text: z.string(), sources: z.array(z.string()) });
export type LogHistory = z.infer<typeof LogHistorySchema>;

const IsoTime = z.string().refine((x) => Number.isFinite(Date.parse(x)), 'must be an ISO 8601 time');

/** Search the persisted log of a host over a time range (default: the last 24 h). */
export const LogSearchQuerySchema = z.object({
  q: z.string().max(200).optional(),
  /** `proxy`, `upstream` or `model:<id>`; default every source. */
  source: z.string().min(1).max(200).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export const LogSearchResultSchema = z.object({
  hostId: z.string(),
  from: z.string(),
  to: z.string(),
  /** Matching lines, oldest first; `ts` is when control stored the chunk holding the line. */
  lines: z.array(z.object({ ts: z.string(), source: z.string(), line: z.string() })),
  truncated: z.boolean(),
});
export type LogSearchResult = z.infer<typeof LogSearchResultSchema>;
