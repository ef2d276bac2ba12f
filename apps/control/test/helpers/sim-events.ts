/** One process state change as llama-swap announced it on /api/events (a full modelStatus list each time). */
export interface Transition {
  seq: number;
  at: number;
  model: string;
  from: string;
  to: string;
}

/**
 * Records every model state transition of a (simulated) llama-swap host from its SSE stream,
 * in the order the host announced them: the ground truth for "did two actions interleave".
 */
export class TransitionRecorder {
  readonly transitions: Transition[] = [];
  private readonly states = new Map<string, string>();
  private readonly ac = new AbortController();
  private seq = 0;
  ready: Promise<void>;

  constructor(url: string) {
    let markReady!: () => void;
    this.ready = new Promise((r) => (markReady = r));
    void this.run(url, markReady);
  }

  private async run(url: string, markReady: () => void): Promise<void> {
    try {
      const res = await fetch(`${url}/api/events`, { signal: this.ac.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data:'))?.slice(5).trimStart();
          if (!data) continue;
          const env = JSON.parse(data) as { type: string; data: string };
          if (env.type !== 'modelStatus') continue;
          for (const m of JSON.parse(env.data) as Array<{ id: string; state: string }>) {
            const prev = this.states.get(m.id);
            this.states.set(m.id, m.state);
            if (prev !== undefined && prev !== m.state) this.transitions.push({ seq: ++this.seq, at: Date.now(), model: m.id, from: prev, to: m.state });
          }
          markReady();
        }
      }
    } catch {
      /* closed */
    }
  }

  /** `model:to` strings in order, e.g. ['a:starting', 'a:ready']. */
  trail(): string[] {
    return this.transitions.map((t) => `${t.model}:${t.to}`);
  }

  close(): void {
    this.ac.abort();
  }
}

export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
