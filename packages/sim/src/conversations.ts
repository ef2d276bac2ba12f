// Client-like chat traffic for the load generator: every request may start with one of a few shared
// system prompts, and some continue an earlier conversation (its history, the model's reply, a new
// question). Both repeat a prompt prefix that a llama-server slot still holds, which is what makes
// cache_n (and the activity cache column) non-zero in real fleets.
import type { Rng } from './rng';
import { fillerPrompt } from './text';

export interface ConversationOptions {
  /** how many shared system prompts each target model has (0 = none), default 2 */
  systemPrompts?: number;
  /** system prompt length in tokens, default [80, 300] */
  systemTokens?: [number, number];
  /** chance (0–1) that a request continues an open conversation instead of starting one, default 0.5 */
  followUp?: number;
  /** turns after which a conversation is closed, default 4 */
  maxTurns?: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface Open {
  messages: ChatMessage[];
  turns: number;
}

/** One request's messages; `answered` hands back the reply so the conversation can go on. */
export interface Turn {
  messages: ChatMessage[];
  answered(reply: string): void;
}

// per target model; more open conversations than a model has slots would mostly miss the cache
const MAX_OPEN = 8;

export class Conversations {
  private systems = new Map<string, string[]>();
  private open = new Map<string, Open[]>();
  private readonly followUp: number;
  private readonly maxTurns: number;

  constructor(
    private readonly rng: Rng,
    private readonly o: ConversationOptions,
  ) {
    this.followUp = Math.min(1, Math.max(0, o.followUp ?? 0.5));
    this.maxTurns = Math.max(1, o.maxTurns ?? 4);
  }

  next(key: string, question: string): Turn {
    const pool = this.open.get(key) ?? [];
    this.open.set(key, pool);
    let base: Open;
    if (pool.length > 0 && this.rng.next() < this.followUp) {
      // taken out while in flight, so two concurrent requests never continue the same history
      base = pool.splice(Math.floor(this.rng.next() * pool.length), 1)[0]!;
    } else {
      const system = this.system(key);
      base = { messages: system ? [{ role: 'system', content: system }] : [], turns: 0 };
    }
    const messages: ChatMessage[] = [...base.messages, { role: 'user', content: question }];
    return {
      messages,
      answered: (reply) => {
        if (base.turns + 1 >= this.maxTurns || reply === '') return;
        pool.push({ messages: [...messages, { role: 'assistant', content: reply }], turns: base.turns + 1 });
        if (pool.length > MAX_OPEN) pool.shift();
      },
    };
  }

  private system(key: string): string | undefined {
    const n = Math.max(0, Math.floor(this.o.systemPrompts ?? 2));
    if (n === 0) return undefined;
    let list = this.systems.get(key);
    if (!list) {
      const [lo, hi] = this.o.systemTokens ?? [80, 300];
      list = Array.from({ length: n }, () => fillerPrompt(this.rng, this.rng.int(lo, hi)));
      this.systems.set(key, list);
    }
    return this.rng.pick(list);
  }
}
