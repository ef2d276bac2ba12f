// Derives an activity row's token figures from a finished response body, following llama-swap's
// metrics middleware (protocol reference §5.2): SSE data lines or a JSON body, usage then timings.
import type { TokenStats } from './activity';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 499: 'Client Closed Request',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function errorMessage(status: number, body: string): string {
  try {
    const j: unknown = JSON.parse(body);
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const e = o.error;
      if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') return String((e as Record<string, unknown>).message).slice(0, 500);
      for (const k of ['error', 'message', 'detail']) if (typeof o[k] === 'string') return String(o[k]).slice(0, 500);
    }
  } catch {
    // not JSON: fall through to the status text
  }
  return `${status} ${STATUS_TEXT[status] ?? 'Error'}`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Token figures from a response body (§5.2 steps 3–5). duration is wall time, possibly raised by timings. */
export function meter(status: number, contentType: string, body: string, wallMs: number): { tokens: TokenStats; duration_ms: number; error_msg?: string } {
  const tokens: TokenStats = { cache_tokens: -1, draft_tokens: -1, draft_acc_tokens: -1, input_tokens: 0, output_tokens: 0, prompt_per_second: -1, tokens_per_second: -1 };
  let duration = Math.round(wallMs);
  if (status !== 200) {
    return { tokens: { ...tokens, cache_tokens: 0, draft_tokens: 0, draft_acc_tokens: 0, prompt_per_second: 0, tokens_per_second: 0 }, duration_ms: duration, error_msg: errorMessage(status, body) };
  }
  if (body.length === 0) return { tokens, duration_ms: duration };
  let usage: Record<string, unknown> | undefined;
  let timings: Record<string, unknown> | undefined;
  const readUsage = (u: unknown): void => {
    if (!u || typeof u !== 'object') return;
    const o = u as Record<string, unknown>;
    usage ??= {};
    const input = num(o.prompt_tokens) ?? num(o.input_tokens);
    const output = num(o.completion_tokens) ?? num(o.output_tokens);
    const details = (o.prompt_tokens_details ?? o.input_tokens_details) as Record<string, unknown> | undefined;
    const cached = num(o.cache_read_input_tokens) ?? num(details?.cached_tokens);
    if (input !== undefined && input > 0) usage.input = input;
    if (output !== undefined && output > 0) usage.output = output;
    if (cached !== undefined && cached > 0) usage.cached = cached;
  };
  const take = (o: Record<string, unknown>): void => {
    readUsage(o.usage);
    if (o.response && typeof o.response === 'object') readUsage((o.response as Record<string, unknown>).usage);
    if (o.message && typeof o.message === 'object') readUsage((o.message as Record<string, unknown>).usage);
    if (o.timings && typeof o.timings === 'object') timings = o.timings as Record<string, unknown>;
  };
  if (contentType.includes('text/event-stream')) {
    for (const line of body.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]' || (!data.includes('usage') && !data.includes('timings'))) continue;
      try {
        const o: unknown = JSON.parse(data);
        if (o && typeof o === 'object') take(o as Record<string, unknown>);
      } catch {
        // non-JSON data lines are skipped, as llama-swap does
      }
    }
  } else {
    try {
      const o: unknown = JSON.parse(body);
      if (Array.isArray(o)) {
        const last: unknown = o[o.length - 1];
        if (last && typeof last === 'object') take(last as Record<string, unknown>);
      } else if (o && typeof o === 'object') take(o as Record<string, unknown>);
    } catch {
      return { tokens, duration_ms: duration };
    }
  }
  const u = usage as { input?: number; output?: number; cached?: number } | undefined;
  if (u) {
    if (u.input !== undefined) tokens.input_tokens = u.input;
    if (u.output !== undefined) tokens.output_tokens = u.output;
    if (u.cached !== undefined) tokens.cache_tokens = u.cached;
  }
  const t = timings;
  if (t) {
    tokens.input_tokens = num(t.prompt_n) ?? tokens.input_tokens;
    tokens.output_tokens = num(t.predicted_n) ?? tokens.output_tokens;
    tokens.prompt_per_second = num(t.prompt_per_second) ?? -1;
    tokens.tokens_per_second = num(t.predicted_per_second) ?? -1;
    duration = Math.max(duration, Math.round((num(t.prompt_ms) ?? 0) + (num(t.predicted_ms) ?? 0)));
    const c = num(t.cache_n);
    if (c !== undefined) tokens.cache_tokens = c;
    const dn = num(t.draft_n);
    const da = num(t.draft_n_accepted);
    if (dn !== undefined && da !== undefined) {
      tokens.draft_tokens = dn;
      tokens.draft_acc_tokens = da;
    }
  }
  return { tokens, duration_ms: duration };
}

