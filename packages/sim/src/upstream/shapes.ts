// llama-server response shapes (protocol reference §12.8), per llama-server profile (timing.ts).
// The streaming encoders build chunk strings from precomputed prefixes because they run once per
// token at high rates.
import type { LlamaServerProfile } from '../timing';

export interface Generation {
  kind: 'chat' | 'oai' | 'native';
  profile: LlamaServerProfile;
  model: string;
  id: string;
  created: number;
  fingerprint: string;
  words: string[];
  finish: 'stop' | 'length';
  nPrompt: number;
  cacheN: number;
  promptN: number;
  promptMs: number;
  predictedMs: number;
  includeUsage: boolean;
  promptText: string;
  slot: number;
}

export interface Timings {
  cache_n: number;
  prompt_n: number;
  prompt_ms: number;
  prompt_per_token_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function timingsOf(g: Generation): Timings {
  const n = g.words.length;
  return {
    cache_n: g.cacheN,
    prompt_n: g.promptN,
    prompt_ms: r3(g.promptMs),
    prompt_per_token_ms: r3(g.promptMs / g.promptN),
    prompt_per_second: g.promptMs > 0 ? r3((g.promptN / g.promptMs) * 1000) : 0,
    predicted_n: n,
    predicted_ms: r3(g.predictedMs),
    predicted_per_token_ms: n > 0 ? r3(g.predictedMs / n) : 0,
    predicted_per_second: g.predictedMs > 0 ? r3((n / g.predictedMs) * 1000) : 0,
  };
}

/** OpenAI usage: prompt_tokens counts every prompt token, cached or not (timings.prompt_n only new ones). */
function usageOf(g: Generation): Record<string, unknown> {
  const n = g.words.length;
  const u: Record<string, unknown> = { completion_tokens: n, prompt_tokens: g.nPrompt, total_tokens: n + g.nPrompt };
  if (g.profile === 'newest') u.prompt_tokens_details = { cached_tokens: g.cacheN };
  return u;
}

export function chatFinal(g: Generation, text: string): unknown {
  return {
    choices: [{ finish_reason: g.finish, index: 0, message: { role: 'assistant', content: text } }],
    created: g.created,
    model: g.model,
    system_fingerprint: g.fingerprint,
    object: 'chat.completion',
    usage: usageOf(g),
    id: g.id,
    timings: timingsOf(g),
  };
}

export function completionFinal(g: Generation, text: string): unknown {
  return {
    choices: [{ text, index: 0, logprobs: null, finish_reason: g.finish }],
    created: g.created,
    model: g.model,
    system_fingerprint: g.fingerprint,
    object: 'text_completion',
    usage: usageOf(g),
    id: g.id,
    timings: timingsOf(g),
  };
}

function nativeTail(g: Generation, content: string): Record<string, unknown> {
  return {
    index: 0,
    content,
    tokens: [],
    id_slot: g.slot,
    stop: true,
    model: g.model,
    tokens_predicted: g.words.length,
    tokens_evaluated: g.nPrompt,
    generation_settings: { n_predict: -1, seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05 },
    prompt: g.promptText,
    has_new_line: false,
    truncated: false,
    stop_type: g.finish === 'stop' ? 'eos' : 'limit',
    stopping_word: '',
    tokens_cached: g.nPrompt + g.words.length,
    timings: timingsOf(g),
  };
}

export function nativeFinal(g: Generation, text: string): unknown {
  return nativeTail(g, text);
}

export interface StreamEncoder {
  /** chat only: the first chunk with the assistant role */
  role: string;
  token(text: string, n: number): string;
  /** everything after the last token, including `data: [DONE]` where llama-server sends it */
  final(): string;
}

const frame = (json: string): string => `data: ${json}\n\n`;

export function chatStreamHead(g: Generation): StreamEncoder {
  const model = JSON.stringify(g.model);
  const id = JSON.stringify(g.id);
  const fp = JSON.stringify(g.fingerprint);
  if (g.kind === 'chat') {
    const tail = `,"created":${g.created},"id":${id},"model":${model},"system_fingerprint":${fp},"object":"chat.completion.chunk"`;
    return {
      role: frame(`{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}]${tail}}`),
      token: (t) => frame(`{"choices":[{"finish_reason":null,"index":0,"delta":{"content":${JSON.stringify(t)}}}]${tail}}`),
      final: () => {
        const timings = JSON.stringify(timingsOf(g));
        const fin = `{"choices":[{"finish_reason":"${g.finish}","index":0,"delta":{}}]${tail}`;
        // up to mid-2025 the finish chunk always carried usage next to timings
        if (g.profile === 'legacy') return frame(`${fin},"usage":${JSON.stringify(usageOf(g))},"timings":${timings}}`) + 'data: [DONE]\n\n';
        // since then usage is opt-in, in its own choices:[] chunk, and timings go on the last chunk
        if (!g.includeUsage) return frame(`${fin},"timings":${timings}}`) + 'data: [DONE]\n\n';
        return frame(`${fin}}`) + frame(`{"choices":[]${tail},"usage":${JSON.stringify(usageOf(g))},"timings":${timings}}`) + 'data: [DONE]\n\n';
      },
    };
  }
  if (g.kind === 'oai') {
    const tail = `,"created":${g.created},"model":${model},"system_fingerprint":${fp},"object":"text_completion","id":${id}`;
    return {
      role: '',
      token: (t) => frame(`{"choices":[{"text":${JSON.stringify(t)},"index":0,"logprobs":null,"finish_reason":null}]${tail}}`),
      final: () =>
        frame(`{"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"${g.finish}"}]${tail},"usage":${JSON.stringify(usageOf(g))},"timings":${JSON.stringify(timingsOf(g))}}`) +
        'data: [DONE]\n\n',
    };
  }
  return {
    role: '',
    token: (t, n) => frame(`{"index":0,"content":${JSON.stringify(t)},"tokens":[],"stop":false,"id_slot":-1,"tokens_predicted":${n},"tokens_evaluated":${g.nPrompt}}`),
    // native /completion ends with the stop chunk and no [DONE]
    final: () => frame(JSON.stringify(nativeTail(g, ''))),
  };
}
