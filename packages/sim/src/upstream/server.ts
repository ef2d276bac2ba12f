// llama-server as llama-swap sees it behind the proxy: readiness, the OpenAI and native completion
// endpoints (completion.ts) with llama.cpp's exact chunk shapes and `timings`, embeddings, and a
// KV-cache prefix model that produces cache_n for repeated prompt prefixes. Token emission runs on
// the shared pacer.
import type { NormalizedModel } from '../types';
import type { LlamaServerProfile, ScheduleBook, SimVariance, VarianceSource } from '../timing';
import { pacer } from '../pacer';
import { Rng, hashString } from '../rng';
import { embedVector, promptWords } from '../text';
import { upstreamLine } from '../logs';
import type { UpstreamExchange, UpstreamRequest, UpstreamWriter } from './types';
import { N_SLOTS, modelsBody, propsBody, slotsBody } from './info';
import { SlotCache } from './slots';
import { bodyHeaders } from './headers';
import { runCompletion } from './completion';

export interface UpstreamEnv {
  seed: number;
  /** token interval multiplier for a model (slowTokens fault); 1 = nominal */
  slowFactor(model: string): number;
  buildInfo: string;
  /** response shapes of models without their own `llamaServer` */
  profile: LlamaServerProfile;
  /** variance of models without their own `variance` */
  variance: SimVariance | null;
  /** per-request speed draws; outlive model reloads */
  speeds: VarianceSource;
  /** schedule indexes and the schedule log; outlive model reloads */
  schedules: ScheduleBook;
}

const LOADING_BODY = '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}';

function err(status: number, type: string, message: string): string {
  return JSON.stringify({ error: { code: status, message, type } });
}

export class UpstreamServer {
  ready = false;
  private readonly cache = new SlotCache();
  private task = 0;
  private readonly rng: Rng;

  constructor(
    readonly model: NormalizedModel,
    readonly env: UpstreamEnv,
    readonly log: (text: string) => void,
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
      w.writeHead(503, bodyHeaders(req, LOADING_BODY));
      w.end(LOADING_BODY);
      return none;
    }
    const p = req.path;
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && (p === '/health' || p === '/v1/health')) return this.json(req, w, 200, '{"status":"ok"}');
    if (get && (p === '/v1/models' || p === '/models')) return this.json(req, w, 200, JSON.stringify(modelsBody(this.model)));
    if (get && p === '/props') return this.json(req, w, 200, JSON.stringify(propsBody(this.model, this.env.buildInfo)));
    if (get && p === '/slots') return this.json(req, w, 200, JSON.stringify(slotsBody(this.model)));
    if (get && p === '/metrics') return this.json(req, w, 501, err(501, 'not_supported_error', 'This server does not support metrics endpoint. Start it with `--metrics`'));
    if (get && (p === '/' || p === '/index.html')) {
      const html = '<!doctype html><html><head><title>llama.cpp</title></head><body>llama.cpp server (simulated)</body></html>';
      w.writeHead(200, bodyHeaders(req, html, 'text/html; charset=utf-8'));
      w.end(html);
      return none;
    }
    if (req.method !== 'POST') return this.json(req, w, 404, err(404, 'not_found_error', 'File Not Found'));

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : {};
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return this.json(req, w, 400, err(400, 'invalid_request_error', 'Failed to parse JSON body'));
    }

    switch (p) {
      case '/v1/chat/completions':
      case '/chat/completions':
        return runCompletion(this, 'chat', req, body, w);
      case '/v1/completions':
      case '/completions':
        return runCompletion(this, 'oai', req, body, w);
      case '/completion':
        return runCompletion(this, 'native', req, body, w);
      case '/v1/embeddings':
      case '/embeddings':
      case '/embedding':
        return this.embeddings(req, body, w);
      case '/tokenize': {
        const words = promptWords(body);
        return this.json(req, w, 200, JSON.stringify({ tokens: words.map((x) => hashString(x) % 150000) }));
      }
      default:
        return this.json(req, w, 404, err(404, 'not_found_error', 'File Not Found'));
    }
  }

  private json(req: UpstreamRequest, w: UpstreamWriter, status: number, body: string): UpstreamExchange {
    w.writeHead(status, bodyHeaders(req, body));
    w.end(body);
    return { cut: () => undefined };
  }

  /** Claims the slot a prompt goes to, and how much of it that slot has cached. */
  takeSlot(prompt: readonly string[]): { slot: number; cached: number } {
    return this.cache.take(prompt);
  }

  /** Frees a slot; it caches `tokens` (what it processed) from now on. */
  releaseSlot(slot: number, tokens: string[]): void {
    this.cache.release(slot, tokens);
  }

  nextTask(): number {
    return ++this.task;
  }

  newId(): string {
    return this.rng.id(32);
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
      const text = JSON.stringify(out);
      w.writeHead(200, bodyHeaders(req, text));
      w.end(text);
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
