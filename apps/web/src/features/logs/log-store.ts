/**
 * The lines of one log in the browser: at most `maxLines` (the oldest are dropped in chunks, so
 * appending stays O(new text)), plus the unfinished last line. Chunks from llama-swap are
 * arbitrary slices, so a line is only complete once its newline arrives.
 */
export class LogStore {
  lines: string[] = [];
  partial = '';
  /** Lines dropped from the front so far (keeps search hits and scroll positions stable). */
  dropped = 0;
  version = 0;

  constructor(readonly maxLines = 100_000) {}

  append(text: string): void {
    if (!text) return;
    const parts = (this.partial + text).replace(/\r\n/g, '\n').split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.lines.push(p.includes('\r') ? p.slice(p.lastIndexOf('\r') + 1) : p);
    if (this.lines.length > this.maxLines) {
      // drop 10 % more than needed so this splice runs rarely
      const n = this.lines.length - this.maxLines + Math.floor(this.maxLines / 10);
      this.lines.splice(0, n);
      this.dropped += n;
    }
    this.version++;
  }

  clear(): void {
    this.lines = [];
    this.partial = '';
    this.dropped = 0;
    this.version++;
  }

  /** All lines including the unfinished one. */
  get count(): number {
    return this.lines.length + (this.partial ? 1 : 0);
  }

  line(i: number): string {
    return i < this.lines.length ? this.lines[i]! : this.partial;
  }

  /** The last characters we hold, to find our place in a re-sent snapshot. */
  tail(chars: number): string {
    let out = this.partial;
    for (let i = this.lines.length - 1; i >= 0 && out.length < chars; i--) out = `${this.lines[i]}\n${out}`;
    return out.slice(-chars);
  }
}

/**
 * Turns the successive values of the live log topic (the whole recent text each time, capped
 * by the stream client) into appended text. When the text was cut at the front or replaced by
 * a fresh snapshot (reconnect), it finds where our last characters occur and keeps only what
 * follows; `reset` says nothing matched and the text stands on its own.
 */
export class DeltaReader {
  private prev = '';

  next(cur: string, ourTail: string): { reset: boolean; delta: string } {
    const prev = this.prev;
    this.prev = cur;
    if (prev && cur.length >= prev.length && cur.startsWith(prev)) return { reset: false, delta: cur.slice(prev.length) };
    const probe = (prev || ourTail).slice(-256);
    if (probe.length >= 16) {
      const at = cur.lastIndexOf(probe);
      if (at !== -1) return { reset: false, delta: cur.slice(at + probe.length) };
    }
    return { reset: prev !== '' || ourTail !== '', delta: cur };
  }

  forget(): void {
    this.prev = '';
  }
}
