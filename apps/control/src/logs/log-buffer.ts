/**
 * The recent text of one log (host × source), bounded by characters: whole chunks are dropped
 * from the front when it grows past `maxChars`. Chunks are kept as received (not split into
 * lines: llama-swap chunks are arbitrary byte slices).
 */
export class LogBuffer {
  private chunks: string[] = [];
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get length(): number {
    return this.chars;
  }

  append(text: string): void {
    if (text.length === 0) return;
    if (text.length >= this.maxChars) {
      this.chunks = [text.slice(text.length - this.maxChars)];
      this.chars = this.maxChars;
      return;
    }
    this.chunks.push(text);
    this.chars += text.length;
    while (this.chars > this.maxChars && this.chunks.length > 1) this.chars -= this.chunks.shift()!.length;
    // Many small chunks cost an object each (and appended text is often a rope of smaller
    // strings): fold them into one flat string now and then.
    if (this.chunks.length > 64) this.chunks = [this.chunks.join('')];
  }

  /** The last `maxChars` characters (all of it by default). */
  tail(maxChars = this.maxChars): string {
    const all = this.chunks.join('');
    if (this.chunks.length > 1) this.chunks = [all];
    return all.length > maxChars ? all.slice(all.length - maxChars) : all;
  }

  /**
   * A fresh connection replays the host's recent log, which overlaps what we already have
   * (gotcha 5). Find where our last characters occur in the replay and keep only what comes
   * after; if they do not occur (the host restarted, or more than its buffer was written while
   * we were away), the whole replay is new.
   */
  newPartOfReplay(replay: string): string {
    if (this.chars === 0) return replay;
    const probe = this.tail(256);
    const at = replay.lastIndexOf(probe);
    if (at !== -1) return replay.slice(at + probe.length);
    // The replay may start inside our last characters (a young log): find the longest suffix of
    // ours it begins with. Below 16 characters a match could be a coincidence.
    for (let p = 1; p <= probe.length - 16; p++) {
      if (replay.startsWith(probe.slice(p))) return replay.slice(probe.length - p);
    }
    return replay;
  }
}
