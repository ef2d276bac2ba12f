// llama-server's slots as a prompt cache. A request goes to the idle slot whose cached tokens share
// the longest prefix with its prompt, if that prefix covers more than --slot-prompt-similarity
// (0.5) of the prompt; otherwise to the least recently used idle slot. It reuses whatever prefix
// that slot holds (cache_n). Picking "the first best" instead sent every miss to slot 0, so one
// slot did all the caching and two alternating system prompts evicted each other.
export const N_SLOTS = 4;
const SIMILARITY = 0.5;

interface Slot {
  tokens: string[];
  lastUsed: number;
  busy: boolean;
}

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class SlotCache {
  private readonly slots: Slot[] = Array.from({ length: N_SLOTS }, () => ({ tokens: [], lastUsed: 0, busy: false }));
  private clock = 0;

  /** Claims a slot for a prompt; `cached` is the prefix it already holds. */
  take(prompt: readonly string[]): { slot: number; cached: number } {
    // with every slot busy llama.cpp defers the task; the simulator does not queue, it shares a slot
    const idle = this.slots.some((s) => !s.busy);
    let best = -1;
    let bestLen = 0;
    let lru = -1;
    for (let i = 0; i < N_SLOTS; i++) {
      const s = this.slots[i]!;
      if (idle && s.busy) continue;
      const len = commonPrefix(s.tokens, prompt);
      if (len > bestLen) {
        bestLen = len;
        best = i;
      }
      if (lru < 0 || s.lastUsed < this.slots[lru]!.lastUsed) lru = i;
    }
    const slot = best >= 0 && bestLen / Math.max(1, prompt.length) > SIMILARITY ? best : lru;
    const s = this.slots[slot]!;
    s.busy = true;
    s.lastUsed = ++this.clock;
    return { slot, cached: commonPrefix(s.tokens, prompt) };
  }

  /** Frees a slot; `tokens` (prompt and output) is what its cache holds from now on. */
  release(slot: number, tokens: string[]): void {
    const s = this.slots[slot];
    if (!s) return;
    s.tokens = tokens;
    s.busy = false;
    s.lastUsed = ++this.clock;
  }
}
