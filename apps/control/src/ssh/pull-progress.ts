/**
 * Turns a downloader's output stream into log lines and progress. huggingface-cli (tqdm) redraws
 * its bar with `\r`; those redraws update the latest line and percentage but are not appended to
 * the log (a 40 GB download would otherwise fill the tail with bars). Lines ending in `\n` are.
 */
export interface PullOutputEvents {
  /** A finished output line (without its newline). */
  line(text: string): void;
  /** The latest visible line (a finished line or a bar redraw), and the percent when it has one. */
  update(text: string, percent: number | undefined): void;
}

// CSI sequences (colors, cursor moves) and other ESC sequences tqdm may emit.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]/g;
const PERCENT = /(\d{1,3}(?:\.\d+)?)\s?%/g;

/** The last percentage in a line, when it is within 0..100. */
export function percentOf(text: string): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(PERCENT)) {
    const v = Number(m[1]);
    if (v >= 0 && v <= 100) last = v;
  }
  return last;
}

export class PullOutputParser {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly events: PullOutputEvents) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    for (;;) {
      const idx = this.pending.search(/[\r\n]/);
      if (idx < 0) break;
      const term = this.pending[idx];
      // A `\r` at the very end may be the first half of `\r\n`: wait for the next chunk.
      if (term === '\r' && idx === this.pending.length - 1) break;
      const crlf = term === '\r' && this.pending[idx + 1] === '\n';
      const text = this.pending.slice(0, idx);
      this.pending = this.pending.slice(idx + (crlf ? 2 : 1));
      this.emit(text, term === '\n' || crlf);
    }
    // Unbounded partial lines (a tool printing without newlines) are flushed as redraws.
    if (this.pending.length > 4096) {
      this.emit(this.pending, false);
      this.pending = '';
    }
  }

  /** Flushes whatever is left as a final line. */
  end(): void {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    if (rest) this.emit(rest.replace(/\r$/, ''), true);
  }

  private emit(raw: string, finished: boolean): void {
    const text = raw.replace(ANSI, '').trimEnd();
    if (!text.trim()) return;
    if (finished) this.events.line(text);
    this.events.update(text, percentOf(text));
  }
}
