// A seeded open-loop load generator: Poisson arrivals at `rate` req/s spread over targets and models,
// capped at `concurrency` requests in flight (arrivals beyond the cap are skipped and counted).
import { Rng } from './rng';
import { fillerPrompt } from './text';

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

  const fire = async (): Promise<void> => {
    const c = rng.pick(choices);
    const promptN = rng.int(o.promptTokens[0], o.promptTokens[1]);
    const maxTokens = rng.int(o.maxTokens[0], o.maxTokens[1]);
    const prompt = fillerPrompt(rng, promptN);
    const embedding = c.model.kind === 'embedding';
    const stream = !embedding && (o.stream ?? true);
    const path = embedding ? '/v1/embeddings' : '/v1/chat/completions';
    const body = embedding
      ? { model: c.model.id, input: prompt }
      : { model: c.model.id, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, stream };
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
