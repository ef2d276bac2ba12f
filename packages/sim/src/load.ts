// A seeded open-loop load generator: Poisson arrivals at `rate` req/s spread over targets and models,
// capped at `concurrency` requests in flight (arrivals beyond the cap are skipped and counted).
// Optionally it talks like real clients: shared system prompts and multi-turn conversations, so
// prompts repeat prefixes and the prompt cache (cache_n) has something to reuse.
import { Rng } from './rng';
import { fillerPrompt } from './text';
import { Conversations } from './conversations';
import type { ConversationOptions } from './conversations';
export type { ConversationOptions } from './conversations';

export interface LoadTargetModel {
  id: string;
  kind?: 'chat' | 'embedding';
}

export interface LoadTarget {
  url: string;
  models: Array<string | LoadTargetModel>;
  apiKey?: string;
}

export interface LoadGeneratorOptions {
  targets: LoadTarget[];
  /** requests per second across all targets */
  rate: number;
  /** maximum requests in flight */
  concurrency: number;
  promptTokens: [number, number];
  maxTokens: [number, number];
  seed?: number;
  stream?: boolean;
  /** per-request timeout, default 120 s */
  timeoutMs?: number;
  /** shared system prompts and follow-up turns for chat models (default: every prompt is fresh) */
  conversations?: ConversationOptions;
}

export interface LoadStats {
  started: number;
  completed: number;
  failed: number;
  rejected: number;
  /** requests aborted by stop() */
  aborted: number;
  skipped: number;
  inFlight: number;
  tokens: number;
  status: Record<string, number>;
}

export interface LoadGenerator {
  start(): void;
  /** stops new arrivals and aborts requests in flight */
  stop(): Promise<void>;
  stats(): LoadStats;
  readonly running: boolean;
}

export function createLoadGenerator(o: LoadGeneratorOptions): LoadGenerator {
  const rng = new Rng(o.seed ?? 1);
  const stats: LoadStats = { started: 0, completed: 0, failed: 0, rejected: 0, aborted: 0, skipped: 0, inFlight: 0, tokens: 0, status: {} };
  const controllers = new Set<AbortController>();
  const pending = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const choices: { url: string; model: LoadTargetModel; apiKey?: string }[] = [];
  for (const t of o.targets) {
    for (const m of t.models) choices.push({ url: t.url.replace(/\/$/, ''), model: typeof m === 'string' ? { id: m } : m, ...(t.apiKey ? { apiKey: t.apiKey } : {}) });
  }

  const talk = o.conversations ? new Conversations(rng, o.conversations) : null;

  const fire = async (): Promise<void> => {
    const c = rng.pick(choices);
    const promptN = rng.int(o.promptTokens[0], o.promptTokens[1]);
    const maxTokens = rng.int(o.maxTokens[0], o.maxTokens[1]);
    const prompt = fillerPrompt(rng, promptN);
    const embedding = c.model.kind === 'embedding';
    const stream = !embedding && (o.stream ?? true);
    const path = embedding ? '/v1/embeddings' : '/v1/chat/completions';
    const turn = !embedding && talk ? talk.next(`${c.url}\u0000${c.model.id}`, prompt) : null;
    const body = embedding
      ? { model: c.model.id, input: prompt }
      : { model: c.model.id, messages: turn ? turn.messages : [{ role: 'user', content: prompt }], max_tokens: maxTokens, stream };
    const ac = new AbortController();
    controllers.add(ac);
    const timeout = setTimeout(() => ac.abort(), o.timeoutMs ?? 120_000);
    stats.started++;
    stats.inFlight++;
    try {
      const res = await fetch(c.url + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(c.apiKey ? { Authorization: `Bearer ${c.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: ac.signal,
      });
      const text = await res.text();
      stats.status[String(res.status)] = (stats.status[String(res.status)] ?? 0) + 1;
      if (res.status === 429) stats.rejected++;
      else if (!res.ok) stats.failed++;
      else {
        stats.completed++;
        const m = /"predicted_n":(\d+)/.exec(text.slice(-2000));
        if (m) stats.tokens += Number(m[1]);
        turn?.answered(stream ? streamedText(text) : replyText(text));
      }
    } catch {
      if (!running && ac.signal.aborted) stats.aborted++;
      else {
        stats.failed++;
        stats.status.error = (stats.status.error ?? 0) + 1;
      }
    } finally {
      clearTimeout(timeout);
      controllers.delete(ac);
      stats.inFlight--;
    }
  };

  const schedule = (): void => {
    if (!running) return;
    const delay = rng.exp(1000 / Math.max(0.001, o.rate));
    timer = setTimeout(() => {
      if (!running) return;
      if (choices.length > 0) {
        if (stats.inFlight >= o.concurrency) stats.skipped++;
        else {
          const p = fire();
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      }
      schedule();
    }, delay);
  };

  return {
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const ac of controllers) ac.abort();
      await Promise.allSettled([...pending]);
    },
    stats: () => ({ ...stats, status: { ...stats.status } }),
    get running() {
      return running;
    },
  };
}

/** The assistant's reply in a streamed chat body: the content deltas, in order. */
function streamedText(sse: string): string {
  let out = '';
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    try {
      const j = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: unknown } }> };
      const c = j.choices?.[0]?.delta?.content;
      if (typeof c === 'string') out += c;
    } catch {
      // not a JSON chunk: nothing to add
    }
  }
  return out;
}

function replyText(json: string): string {
  try {
    const c = (JSON.parse(json) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
    return typeof c === 'string' ? c : '';
  } catch {
    return '';
  }
}
