import { JsonlPromptSchema, type BenchWorkload, type JsonlPrompt } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import type { RequestRecord } from './record';
import { Rng } from './rng';

/**
 * What each benchmark request asks. A workload hands the driver the next request for a virtual
 * user and hears back how it went (the multi-turn profile needs the answer for its history).
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface PreparedRequest {
  messages: ChatMessage[];
  maxTokens: number;
  turn: number | null;
  /** the answer text must be recorded (multi-turn history) */
  keepText: boolean;
}

export interface Workload {
  next(user: number): PreparedRequest;
  done(user: number, req: PreparedRequest, rec: RequestRecord): void;
  /** request fields beyond model/messages/max_tokens/stream (ignore_eos, cache_prompt) */
  readonly extra: Record<string, unknown>;
  /** the prompts are meant to miss the prompt cache (a high cache_n then flags contamination) */
  readonly defeatsCache: boolean;
  readonly ignoreEos: boolean;
}

// Short common English words: nearly every BPE vocabulary has each (with its leading space) as
// one token, so a prompt of N words is close to N tokens on real models, and exactly N on the sim.
const WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by ' +
  'word but not what all were we when your can said there use an each which she do how their if will up other ' +
  'about out many then them these so some her would make like him into time has look two more write go see ' +
  'number no way could people my than first water been call who oil its now find long down day did get come ' +
  'made may part over new sound take only little work know place year live me back give most very after thing ' +
  'our just name good sentence man think say great where help through much before line right too mean old any ' +
  'same tell boy follow came want show also around form three small set put end does another well large must ' +
  'big even such because turn here why ask went men read need land different home us move try kind hand picture ' +
  'again change off play spell air away animal house point page letter mother answer found study still learn'
).split(' ');

/** `n` seeded words. */
function words(rng: Rng, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[rng.int(WORDS.length)] as string);
  return out;
}

/**
 * Four words unique to (run, key): a prompt that starts with them shares no prefix with any
 * earlier prompt, in this run or a previous one, so a warm KV cache cannot serve it.
 */
function nonceWords(runNonce: number, key: number): string[] {
  const r = new Rng((runNonce ^ Math.imul(key + 1, 0x9e3779b1)) >>> 0);
  return words(r, 4);
}

function extraOf(w: { cold?: boolean; ignoreEos: boolean }): Record<string, unknown> {
  return { ...(w.ignoreEos ? { ignore_eos: true } : {}), ...(w.cold ? { cache_prompt: false } : {}) };
}

function synthetic(w: Extract<BenchWorkload, { kind: 'synthetic' }>, seed: number, runNonce: number): Workload {
  const rng = new Rng(seed);
  let seq = 0;
  return {
    extra: extraOf(w),
    defeatsCache: true,
    ignoreEos: w.ignoreEos,
    next() {
      const nonce = nonceWords(runNonce, seq++).slice(0, w.inputTokens);
      const content = [...nonce, ...words(rng, w.inputTokens - nonce.length)].join(' ');
      return { messages: [{ role: 'user', content }], maxTokens: w.outputTokens, turn: null, keepText: false };
    },
    done() {},
  };
}

interface Conversation {
  turn: number;
  history: ChatMessage[];
}

/**
 * Conversations that all start with one system prefix (the same for every conversation of the
 * run, new for each run) and grow turn by turn with the real answers, like a chat product. From
 * the second turn on, llama-server can reuse the slot's KV for everything but the newest turn;
 * `timings.cache_n` shows how much it did.
 */
function sharedPrefix(w: Extract<BenchWorkload, { kind: 'shared-prefix' }>, seed: number, runNonce: number): Workload {
  const rng = new Rng(seed);
  const prefix = w.prefixTokens > 0 ? [...nonceWords(runNonce, -1), ...words(rng, w.prefixTokens)].slice(0, w.prefixTokens).join(' ') : '';
  const system: ChatMessage[] = prefix ? [{ role: 'system', content: prefix }] : [];
  const convs = new Map<number, Conversation>();
  let convSeq = 0;
  return {
    extra: extraOf(w),
    defeatsCache: false,
    ignoreEos: w.ignoreEos,
    next(user) {
      let c = convs.get(user);
      if (!c || c.turn > w.turns) {
        c = { turn: 1, history: [] };
        convs.set(user, c);
        convSeq++;
      }
      // each turn opens with a nonce so two conversations never share more than the system prefix
      const content = [...nonceWords(runNonce, convSeq * 1000 + c.turn), ...words(rng, Math.max(0, w.turnTokens - 4))].slice(0, w.turnTokens).join(' ');
      return { messages: [...system, ...c.history, { role: 'user', content }], maxTokens: w.outputTokens, turn: c.turn, keepText: true };
    },
    done(user, req, rec) {
      const c = convs.get(user);
      if (!c) return;
      if (rec.errorKind !== null || rec.text === null) {
        convs.delete(user);
        return;
      }
      const asked = req.messages[req.messages.length - 1] as ChatMessage;
      c.history.push(asked, { role: 'assistant', content: rec.text });
      c.turn++;
    },
  };
}

function jsonl(w: Extract<BenchWorkload, { kind: 'jsonl' }>, prompts: readonly JsonlPrompt[]): Workload {
  let i = 0;
  return {
    extra: extraOf(w),
    // the run cycles through the file, so prompts repeat: a cache hit on a repeat inflates
    // prompt speed just the same, and the contamination flag should say so
    defeatsCache: true,
    ignoreEos: w.ignoreEos,
    next() {
      const p = prompts[i++ % prompts.length] as JsonlPrompt;
      const messages: ChatMessage[] = 'prompt' in p ? [{ role: 'user', content: p.prompt }] : p.messages;
      return { messages, maxTokens: p.max_tokens ?? w.outputTokens, turn: null, keepText: false };
    },
    done() {},
  };
}

/**
 * Parses a JSONL prompt file completely before anything runs: the first bad line is refused
 * with BENCH_BAD_JSONL naming the line (1-based), so a run never dies halfway through a file.
 */
export function parseJsonl(text: string, maxLines: number): JsonlPrompt[] {
  const out: JsonlPrompt[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const bad = (reason: string): never => {
      throw new AppError('BENCH_BAD_JSONL', `JSONL line ${i + 1}: ${reason}`, { line: i + 1, reason });
    };
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      bad(`not valid JSON (${(e as Error).message})`);
    }
    const r = JsonlPromptSchema.safeParse(v);
    if (!r.success) bad(`expected {"prompt": "…"} or {"messages": [{"role","content"}]}: ${r.error.issues[0]?.message ?? 'invalid'}`);
    else out.push(r.data);
    if (out.length > maxLines) bad(`more than ${maxLines} prompts`);
  }
  if (out.length === 0) throw new AppError('BENCH_BAD_JSONL', 'the JSONL workload holds no prompts', { line: 0, reason: 'empty' });
  return out;
}

export function createWorkload(w: BenchWorkload, opts: { seed: number; runNonce: number; prompts?: readonly JsonlPrompt[] }): Workload {
  switch (w.kind) {
    case 'synthetic':
      return synthetic(w, opts.seed, opts.runNonce);
    case 'shared-prefix':
      return sharedPrefix(w, opts.seed, opts.runNonce);
    case 'jsonl':
      return jsonl(w, opts.prompts ?? []);
  }
}
