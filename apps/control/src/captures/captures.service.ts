import { z } from 'zod';
import type { Capture } from '@boocontrol/contracts';
import type { ActivityRepo } from '../activity/activity.repo';
import { HostError } from '../connectors/http';
import type { Connector } from '../connectors/types';
import { AppError } from '../lib/errors';
import type { CapturesRepo, StoredCapture } from './captures.repo';
import { redactBody, redactHeaders } from './redact';

/** llama-swap ReqRespCapture (§6): bodies are base64 (Go []byte). */
const WireCaptureSchema = z.object({
  id: z.number().optional(),
  req_path: z.string().optional().default(''),
  req_headers: z.record(z.string(), z.unknown()).nullish(),
  req_body: z.string().nullish(),
  resp_headers: z.record(z.string(), z.unknown()).nullish(),
  resp_body: z.string().nullish(),
});

export interface CapturesServiceDeps {
  repo: CapturesRepo;
  activity: ActivityRepo;
  /** The connector of a host, if it is watched, and the host's current epoch. */
  host(hostId: string): { connector: Connector; epoch: number } | undefined;
  maxRowBytes: number;
  totalBudgetBytes: number;
  count(name: string): void;
}

const decode = (b64: string | null | undefined): string | null => (b64 == null ? null : Buffer.from(b64, 'base64').toString('utf8'));

/** Cuts two bodies to fit `max` bytes together, giving each at least half if it needs it. */
export function fitBodies(req: string | null, resp: string | null, max: number): { req: string | null; resp: string | null; truncated: boolean } {
  const rl = Buffer.byteLength(req ?? '');
  const sl = Buffer.byteLength(resp ?? '');
  if (rl + sl <= max) return { req, resp, truncated: false };
  const half = Math.floor(max / 2);
  const reqBudget = sl < half ? max - sl : Math.min(rl, half);
  const respBudget = max - Math.min(rl, reqBudget);
  const cut = (s: string | null, n: number) => (s == null ? null : Buffer.from(s).subarray(0, n).toString('utf8') + (Buffer.byteLength(s) > n ? '\n… [truncated by BooControl]' : ''));
  return { req: cut(req, reqBudget), resp: cut(resp, respBudget), truncated: true };
}

/**
 * Captures are fetched on demand: llama-swap keeps them in a small FIFO buffer in memory, so a
 * capture is stored the first time someone opens it (redacted, capped per row, within a total
 * budget) and served from the database afterwards.
 */
export class CapturesService {
  constructor(private readonly deps: CapturesServiceDeps) {}

  async get(activityId: number): Promise<Capture> {
    const stored = await this.deps.repo.get(activityId);
    if (stored) return this.toApi(stored);
    const row = await this.deps.activity.get(activityId);
    if (!row) throw new AppError('NOT_FOUND', `no activity row ${activityId}`);
    if (!row.hasCapture) throw new AppError('NOT_FOUND', 'the host recorded no capture for this request');
    const host = this.deps.host(row.hostId);
    if (!host) throw new AppError('NOT_FOUND', `host "${row.hostId}" is no longer watched; its capture cannot be fetched`);
    if (!host.connector.fetchCapture) throw new AppError('NOT_FOUND', 'this kind of host has no captures');
    if (host.epoch !== row.epoch) {
      await this.deps.activity.setHasCapture(activityId, false);
      throw new AppError('NOT_FOUND', 'the host restarted since this request; its in-memory capture is gone');
    }
    let raw: unknown;
    try {
      raw = await host.connector.fetchCapture(row.upstreamId);
    } catch (err) {
      if (err instanceof HostError) throw new AppError(err.unreachable ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR', `fetching the capture failed: ${err.message}`);
      throw err;
    }
    if (raw === undefined) {
      await this.deps.activity.setHasCapture(activityId, false);
      throw new AppError('NOT_FOUND', 'the host no longer has this capture (its capture buffer keeps only the newest)');
    }
    const p = WireCaptureSchema.safeParse(raw);
    if (!p.success) {
      this.deps.count('connector.invalidPayloads');
      throw new AppError('UPSTREAM_ERROR', 'the host sent a capture we could not read');
    }
    const reqBody = decode(p.data.req_body);
    const respBody = decode(p.data.resp_body);
    const fit = fitBodies(reqBody === null ? null : redactBody(reqBody), respBody === null ? null : redactBody(respBody), this.deps.maxRowBytes);
    const capture: Omit<StoredCapture, 'fetchedAt'> = {
      activityId,
      hostId: row.hostId,
      reqPath: p.data.req_path || row.path,
      reqHeaders: redactHeaders(p.data.req_headers),
      reqBody: fit.req,
      respHeaders: redactHeaders(p.data.resp_headers),
      respBody: fit.resp,
      truncated: fit.truncated,
      sizeBytes: Buffer.byteLength(fit.req ?? '') + Buffer.byteLength(fit.resp ?? ''),
    };
    await this.deps.repo.insert(capture);
    await this.deps.repo.enforceBudget(this.deps.totalBudgetBytes);
    return this.toApi({ ...capture, fetchedAt: new Date() });
  }

  private toApi(c: StoredCapture): Capture {
    return {
      activityId: String(c.activityId),
      hostId: c.hostId,
      reqPath: c.reqPath,
      reqHeaders: c.reqHeaders,
      reqBody: c.reqBody,
      respHeaders: c.respHeaders,
      respBody: c.respBody,
      truncated: c.truncated,
      sizeBytes: c.sizeBytes,
      fetchedAt: c.fetchedAt.toISOString(),
    };
  }
}
