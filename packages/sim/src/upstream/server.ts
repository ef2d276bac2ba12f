// llama-server as llama-swap sees it behind the proxy: readiness, the OpenAI and native completion
// endpoints with llama.cpp's exact chunk shapes and `timings`, embeddings, and a KV-cache prefix
// model that produces cache_n for repeated prompt prefixes. Token emission runs on the shared pacer.
import type { NormalizedModel } from '../types';
import { pacer } from '../pacer';
import type { PacerHandle } from '../pacer';
import { Rng, hashString } from '../rng';
import { embedVector, generateWords, promptWords } from '../text';
import { upstreamLine, writeChunked } from '../logs';
import type { UpstreamExchange, UpstreamRequest, UpstreamWriter } from './types';
import { chatFinal, chatStreamHead, completionFinal, nativeFinal, timingsOf } from './shapes';
import type { Generation } from './shapes';
import { N_SLOTS, modelsBody, propsBody, slotsBody } from './info';

export interface UpstreamEnv {
  seed: number;
  /** token interval multiplier for a model (slowTokens fault); 1 = nominal */
  slowFactor(model: string): number;
  buildInfo: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', Server: 'llama.cpp' };
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Server: 'llama.cpp' };
const LOADING_BODY = '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}';


function err(status: number, type: string, message: string): string {
  return JSON.stringify({ error: { code: status, message, type } });
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Canonical request key for determinism: the body minus fields that only shape delivery. */
function requestKey(model: string, body: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(body).sort()) {
    if (k === 'stream' || k === 'stream_options' || k === 'max_tokens' || k === 'n_predict' || k === 'max_completion_tokens') continue;
    rest[k] = body[k];
  }
  return `${model}\u0000${JSON.stringify(rest)}`;
}

export class UpstreamServer {
  ready = false;
  private slots: string[][] = [];
  private task = 0;
  private readonly rng: Rng;

  constructor(
    readonly model: NormalizedModel,
    private readonly env: UpstreamEnv,
    private readonly log: (text: string) => void,
  ) {
    this.rng = new Rng(hashString(model.id, env.seed));
  }

  markReady(): void {
    this.ready = true;
    this.log(upstreamLine(`main: server is listening on http://127.0.0.1:5800 - starting the main loop`));
    this.log(upstreamLine('srv  update_slots: all slots are idle'));
  }

  logBoot(): void {
    const m = this.model;
    this.log(upstreamLine(`build: ${this.env.buildInfo} with cc (GCC) for x86_64-linux-gnu`, 'dim'));
    this.log(upstreamLine(`llama_model_loader: loaded meta data from /models/${m.id}.gguf`));
    this.log(upstreamLine(`load_tensors: offloaded ${m.gpus.length > 0 ? 'all' : '0'} layers to GPU, ${m.vramMb} MiB`, 'cyan'));
    this.log(upstreamLine(`llama_context: n_ctx = ${m.contextLength}, n_slots = ${N_SLOTS}`));
  }

  logShutdown(): void {
    this.log(upstreamLine('srv    operator(): operator(): cleaning up before exit...'));
  }

  logCrash(): void {
    this.log(upstreamLine('CUDA error: an illegal memory access was encountered', 'red'));
    this.log(upstreamLine('ggml_abort: fatal error', 'red'));
  }

  /** Handles one request. The returned exchange can be cut by the proxy (unload, crash, client gone). */
  handle(req: UpstreamRequest, w: UpstreamWriter): UpstreamExchange {
    const none: UpstreamExchange = { cut: () => undefined };
    if (!this.ready) {
      w.writeHead(503, JSON_HEADERS);
      w.end(LOADING_BODY);
      return none;
    }
    const p = req.path;
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && (p === '/health' || p === '/v1/health')) return this.json(w, 200, '{"status":"ok"}');
    if (get && (p === '/v1/models' || p === '/models')) return this.json(w, 200, JSON.stringify(modelsBody(this.model)));
    if (get && p === '/props') return this.json(w, 200, JSON.stringify(propsBody(this.model, this.env.buildInfo)));
    if (get && p === '/slots') return this.json(w, 200, JSON.stringify(slotsBody(this.model)));
    if (get && p === '/metrics') return this.json(w, 501, err(501, 'not_supported_error', 'This server does not support metrics endpoint. Start it with `--metrics`'));
    if (get && (p === '/' || p === '/index.html')) {
      w.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', Server: 'llama.cpp' });
      w.end('<!doctype html><html><head><title>llama.cpp</title></head><body>llama.cpp server (simulated)</body></html>');
      return none;
    }
    if (req.method !== 'POST') return this.json(w, 404, err(404, 'not_found_error', 'File Not Found'));

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : {};
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return this.json(w, 400, err(400, 'invalid_request_error', 'Failed to parse JSON body'));
    }

    switch (p) {
      case '/v1/chat/completions':
      case '/chat/completions':
        return this.completion('chat', req, body, w);
      case '/v1/completions':
      case '/completions':
        return this.completion('oai', req, body, w);
      case '/completion':
        return this.completion('native', req, body, w);
      case '/v1/embeddings':
      case '/embeddings':
      case '/embedding':
        return this.embeddings(req, body, w);
      case '/tokenize': {
        const words = promptWords(body);
        return this.json(w, 200, JSON.stringify({ tokens: words.map((x) => hashString(x) % 150000) }));
      }
      default:
        return this.json(w, 404, err(404, 'not_found_error', 'File Not Found'));
    }
  }

  private json(w: UpstreamWriter, status: number, body: string): UpstreamExchange {
    w.writeHead(status, JSON_HEADERS);
    w.end(body);
    return { cut: () => undefined };
  }

  /** Picks the slot whose cached tokens share the longest prefix with the prompt (llama.cpp's LCP slot selection). */
  private takeSlot(prompt: string[]): { slot: number; cached: number } {
    let best = 0;
    let cached = -1;
    for (let i = 0; i < N_SLOTS; i++) {
      const s = this.slots[i];
      const c = s ? commonPrefix(s, prompt) : 0;
      if (c > cached) {
        cached = c;
        best = i;
      }
    }
    return { slot: best, cached: Math.max(0, cached) };
  }

  private completion(kind: 'chat' | 'oai' | 'native', req: UpstreamRequest, body: Record<string, unknown>, w: UpstreamWriter): UpstreamExchange {
    const m = this.model;
    if (m.embedding) {
      return this.json(w, 501, err(501, 'not_supported_error', 'This server does not support completions. Start it without `--embeddings`'));
    }
    const prompt = promptWords(body);
    const nPrompt = Math.max(1, prompt.length);
    if (nPrompt >= m.contextLength) {
      return this.json(w, 400, JSON.stringify({ error: { code: 400, message: `the request exceeds the available context size (${m.contextLength} tokens), try increasing it`, type: 'exceed_context_size_error', n_prompt_tokens: nPrompt, n_ctx: m.contextLength } }));
    }
    const { slot, cached } = this.takeSlot(prompt);
    // llama.cpp always re-evaluates at least one prompt token
    const cacheN = Math.min(cached, nPrompt - 1);
    const promptN = nPrompt - cacheN;

    const rawLimit = kind === 'native' ? body.n_predict : (body.max_completion_tokens ?? body.max_tokens);
    let limit = typeof rawLimit === 'number' && rawLimit >= 0 ? Math.floor(rawLimit) : Number.POSITIVE_INFINITY;
    limit = Math.min(limit, m.contextLength - nPrompt);
    const { words, natural } = generateWords(this.env.seed, requestKey(m.id, body), limit);
    const finish: 'stop' | 'length' = natural <= limit ? 'stop' : 'length';

    const slow = this.env.slowFactor(m.id);
    const promptMs = (promptN / m.promptTps) * 1000 * slow;
    const perTok = (1000 / m.genTps) * slow;
    const task = ++this.task;
    const gen: Generation = {
      kind,
      model: typeof body.model === 'string' ? body.model : m.id,
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${this.rng.id(32)}`,
      created: Math.floor(Date.now() / 1000),
      fingerprint: this.env.buildInfo,
      words,
      finish,
      nPrompt,
      cacheN,
      promptN,
      promptMs,
      predictedMs: words.length * perTok,
      includeUsage: !!(body.stream_options && typeof body.stream_options === 'object' && (body.stream_options as Record<string, unknown>).include_usage === true),
      promptText: typeof body.prompt === 'string' ? body.prompt : '',
      slot,
    };
    const stream = body.stream === true;
    this.log(upstreamLine(`slot launch_slot_: id  ${slot} | task ${task} | processing task`));
    this.log(upstreamLine(`slot update_slots: id  ${slot} | task ${task} | new prompt, n_ctx_slot = ${m.contextLength}, n_keep = 0, n_prompt_tokens = ${nPrompt}`));

    const t0 = pacer.now();
    let handle: PacerHandle | null = null;
    let done = false;
    const finishLog = (status: number): void => {
      this.slots[slot] = [...prompt, ...words];
      const t = timingsOf(gen);
      writeChunked(
        { write: (c: string) => this.log(c) },
        upstreamLine(`prompt eval time = ${t.prompt_ms.toFixed(2).padStart(10)} ms / ${String(t.prompt_n).padStart(5)} tokens (${t.prompt_per_token_ms.toFixed(2).padStart(8)} ms per token, ${t.prompt_per_second.toFixed(2).padStart(8)} tokens per second)`) +
          upstreamLine(`       eval time = ${t.predicted_ms.toFixed(2).padStart(10)} ms / ${String(t.predicted_n).padStart(5)} tokens (${t.predicted_per_token_ms.toFixed(2).padStart(8)} ms per token, ${t.predicted_per_second.toFixed(2).padStart(8)} tokens per second)`) +
          upstreamLine(`slot      release: id  ${slot} | task ${task} | stop processing: n_past = ${nPrompt + words.length}, truncated = 0`) +
          upstreamLine(`srv  log_server_r: request: ${req.method} ${req.path} ${req.remoteIp} ${status}`),
        task,
      );
    };
    const exchange: UpstreamExchange = {
      cut: () => {
        done = true;
        handle?.cancel();
      },
    };

    if (!stream) {
      handle = pacer.schedule(t0 + promptMs + gen.predictedMs, () => {
        if (done) return;
        done = true;
        const text = words.join(' ');
        const out = kind === 'chat' ? chatFinal(gen, text) : kind === 'oai' ? completionFinal(gen, text) : nativeFinal(gen, text);
        w.writeHead(200, JSON_HEADERS);
        w.end(JSON.stringify(out));
        finishLog(200);
      });
      return exchange;
    }

    const enc = chatStreamHead(gen);
    const lead = w.leadMs;
    const dueOf = (token: number): number => t0 + promptMs + token * perTok;
    let i = 0;
    const emit = (): void => {
      if (done) return;
      // The first emission (headers, role, first token) runs at its due time. With a lead, later
      // ones run up to `lead` ahead and tell the writer when their bytes are due, so a busy moment
      // on this thread does not make them late; without one they are written as emitted.
      const due = i === 0 || lead === 0 ? 0 : dueOf(i + 1);
      if (i === 0) {
        w.writeHead(200, SSE_HEADERS);
        if (kind === 'chat') w.write(enc.role);
      }
      if (i < words.length) {
        const word = i === 0 ? (words[0] ?? '') : ` ${words[i] ?? ''}`;
        w.write(enc.token(word, i + 1), due);
        i++;
        if (i < words.length) {
          handle = pacer.schedule(dueOf(i + 1) - lead, emit);
          return;
        }
      }
      done = true;
      w.end(enc.final(), due);
      // the closing log line when the response is complete (cut() cancels it with the stream)
      if (due > 0) handle = pacer.schedule(due, () => finishLog(200));
      else finishLog(200);
    };
    handle = pacer.schedule(t0 + promptMs + (words.length > 0 ? perTok : 0), emit);
    return exchange;
  }

  private embeddings(req: UpstreamRequest, body: Record<string, unknown>, w: UpstreamWriter): UpstreamExchange {
    const m = this.model;
    const inputs: string[] = Array.isArray(body.input)
      ? body.input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
      : [typeof body.input === 'string' ? body.input : typeof body.content === 'string' ? body.content : ''];
    const tokens = inputs.reduce((n, s) => n + Math.max(1, promptWords({ input: s }).length), 0);
    const delay = (tokens / m.promptTps) * 1000 * this.env.slowFactor(m.id);
    let done = false;
    const h = pacer.schedule(pacer.now() + delay, () => {
      if (done) return;
      done = true;
      const data = inputs.map((s, index) => ({ embedding: embedVector(this.env.seed, s, m.embeddingDim), index, object: 'embedding' }));
      const out = { model: typeof body.model === 'string' ? body.model : m.id, object: 'list', usage: { prompt_tokens: tokens, total_tokens: tokens }, data };
      w.writeHead(200, JSON_HEADERS);
      w.end(JSON.stringify(out));
      this.log(upstreamLine(`srv  log_server_r: request: ${req.method} ${req.path} ${req.remoteIp} 200`));
    });
    return {
      cut: () => {
        done = true;
        h.cancel();
      },
    };
  }
}
