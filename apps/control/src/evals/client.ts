// Calls a model the way any consumer does: the host's OpenAI chat API, not streamed (an eval
// scores answers; latency is end to end). Model errors are typed so a run fails with a reason.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { AppError } from '../lib/errors';
import { errorMessage } from '../bench/stream-recorder';

export interface ModelEndpoint {
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatAnswer {
  text: string;
  /** the first tool call, when the server returned one (utility suites also accept JSON text) */
  toolCall: { name: string; arguments: unknown } | null;
  latencyMs: number;
  completionTokens: number | null;
  promptTokens: number | null;
  finish: string | null;
  /** llama-server build (`system_fingerprint`) */
  fingerprint: string | null;
}

export interface ChatOptions {
  temperature: number;
  maxTokens: number;
  seed?: number | undefined;
  tools?: unknown[] | undefined;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export async function chat(ep: ModelEndpoint, messages: ChatMessage[], o: ChatOptions): Promise<ChatAnswer> {
  const body: Record<string, unknown> = { model: ep.model, messages, temperature: o.temperature, max_tokens: o.maxTokens, stream: false };
  if (o.seed !== undefined) body.seed = o.seed;
  if (o.tools) body.tools = o.tools;
  const t0 = performance.now();
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 600_000);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let status: number;
  let text: string;
  try {
    const res = await request(`${ep.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(ep.apiKey ? { authorization: `Bearer ${ep.apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (e) {
    if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new AppError('CANCELLED', 'cancelled');
    throw new AppError('EVAL_MODEL_ERROR', `${ep.model} did not answer: ${e instanceof Error ? e.message : String(e)}`, { model: ep.model });
  }
  const latencyMs = performance.now() - t0;
  if (status !== 200) throw new AppError('EVAL_MODEL_ERROR', `${ep.model} answered ${errorMessage(status, text)}`, { model: ep.model, status });
  let j: Record<string, unknown> | null;
  try {
    j = obj(JSON.parse(text));
  } catch {
    j = null;
  }
  const choice = obj(Array.isArray(j?.choices) ? j.choices[0] : null);
  const msg = obj(choice?.message);
  if (!j || !msg) throw new AppError('EVAL_MODEL_ERROR', `${ep.model} sent a response without a message`, { model: ep.model });
  const usage = obj(j.usage);
  const call = obj(Array.isArray(msg.tool_calls) ? msg.tool_calls[0] : null);
  const fn = obj(call?.function);
  let args: unknown = fn?.arguments;
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      // kept as the raw string: the grader reports it as not matching
    }
  }
  return {
    text: typeof msg.content === 'string' ? msg.content : '',
    toolCall: fn && typeof fn.name === 'string' ? { name: fn.name, arguments: args } : null,
    latencyMs,
    completionTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : null,
    promptTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : null,
    finish: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    fingerprint: typeof j.system_fingerprint === 'string' ? j.system_fingerprint : null,
  };
}
