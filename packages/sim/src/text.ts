// Token model of the simulator (documented in the README):
// - a "token" is a whitespace-separated word; prompt token counts are the number of words in all
//   message contents (plus any `prompt` / `input` strings), at least 1;
// - generated text is a sequence of pseudo-words, one token each, joined by single spaces;
// - the words come from a seeded RNG keyed by the host seed, the model and the request content,
//   so the same request always produces the same text regardless of timing or concurrency.
import { Rng, hashString } from './rng';

const SYLLABLES = [
  'ka', 'lo', 'mi', 'ra', 'ten', 'sul', 'vo', 'ne', 'shi', 'dor', 'an', 'el', 'bri', 'qua', 'tor',
  'zen', 'fa', 'lu', 'mor', 'pi', 'cen', 'dra', 'go', 'hil', 'ix', 'ja', 'ver', 'nos', 'ul', 'ye',
];

function buildVocab(): string[] {
  const r = new Rng(0x5eed);
  const out = new Set<string>();
  while (out.size < 512) {
    const n = r.int(1, 3);
    let w = '';
    for (let i = 0; i < n; i++) w += r.pick(SYLLABLES);
    out.add(w);
  }
  return [...out];
}

const VOCAB = buildVocab();

export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** Collects the prompt words of an OpenAI chat, completion, native or embedding request body. */
export function promptWords(body: Record<string, unknown>): string[] {
  const words: string[] = [];
  const addText = (v: unknown): void => {
    if (typeof v === 'string') words.push(...splitWords(v));
    else if (Array.isArray(v)) for (const x of v) addPart(x);
  };
  const addPart = (p: unknown): void => {
    if (typeof p === 'string') words.push(...splitWords(p));
    else if (p && typeof p === 'object') {
      const o = p as Record<string, unknown>;
      if (typeof o.text === 'string') words.push(...splitWords(o.text));
      else if (o.content !== undefined) addText(o.content);
    }
  };
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) {
      if (m && typeof m === 'object') addText((m as Record<string, unknown>).content);
    }
  }
  addText(body.prompt);
  addText(body.input);
  addText(body.content);
  return words;
}

/**
 * Deterministic pseudo-words. `natural` is the length the model "wants" before max_tokens;
 * `length` replaces it (a schedule's exact token count) without changing the words themselves.
 */
export function generateWords(seed: number, key: string, limit: number, length?: number): { words: string[]; natural: number } {
  const r = new Rng(hashString(key, seed));
  const drawn = r.int(12, 240);
  const natural = length ?? drawn;
  const n = Math.max(0, Math.min(natural, limit));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(VOCAB[Math.floor(r.next() * VOCAB.length)] ?? 'ka');
  return { words, natural };
}

/** Deterministic unit-length embedding vector. */
export function embedVector(seed: number, text: string, dim: number): number[] {
  const r = new Rng(hashString(text, seed));
  const v: number[] = [];
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const x = r.next() * 2 - 1;
    v.push(x);
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** Prompt words that pad a load-generator prompt to roughly n tokens. */
export function fillerPrompt(rng: Rng, n: number): string {
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(VOCAB[Math.floor(rng.next() * VOCAB.length)] ?? 'ka');
  return words.join(' ');
}
