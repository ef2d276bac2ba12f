// One shared timer for all token emission in the process. A setTimeout per token does not hold a
// 2 ms pacing budget at tens of thousands of tokens per second, so due callbacks live in a min-heap
// and are emitted in batches from a single timer armed for the earliest deadline.
import { performance } from 'node:perf_hooks';

const SPIN_MS = 0.25;
// above this many pending emissions the pacer stops bridging sub-millisecond gaps with setImmediate
const DENSE = 64;

export interface PacerHandle {
  cancel(): void;
}

// a class rather than closures: one allocation per scheduled token matters at this rate
class Entry implements PacerHandle {
  cancelled = false;
  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: (lateMs: number) => void,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

export interface PacerStats {
  /** lateness samples in ms (actual emit − scheduled), only while recording */
  samples: number[];
}

class Pacer {
  private heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private armedFor = Infinity;
  private recording: number[] | null = null;
  private readonly runBound = (): void => this.run();

  now(): number {
    return performance.now();
  }

  schedule(at: number, fn: (lateMs: number) => void): PacerHandle {
    const e = new Entry(at, this.seq++, fn);
    this.push(e);
    // during run() armedFor is -Infinity: the timer is re-armed once at the end of the batch
    // (arming per emitted token, as each schedules its successor, cost a setTimeout per token)
    if (at < this.armedFor) this.arm();
    return e;
  }

  startRecording(): void {
    this.recording = [];
  }

  stopRecording(): number[] {
    const r = this.recording ?? [];
    this.recording = null;
    return r;
  }

  private arm(): void {
    const top = this.heap[0];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!top) {
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = top.at;
    const delta = top.at - performance.now();
    // Timers have millisecond resolution and fire at or after their delay; only the last quarter
    // millisecond is bridged with setImmediate, so an idle simulator does not spin a core. With
    // many streams the next deadline is nearly always that close, and bridging would spin the
    // event loop flat out (stealing the core the socket writer and clients need): there the next
    // 1 ms timer tick takes the due tokens in one batch, keeping lateness around a millisecond.
    if (delta <= SPIN_MS && (delta <= 0 || this.heap.length <= DENSE)) {
      if (!this.immediate) this.immediate = setImmediate(this.runBound);
    } else {
      this.timer = setTimeout(this.runBound, Math.max(1, Math.floor(delta)));
    }
  }

  private run(): void {
    this.immediate = null;
    this.timer = null;
    this.armedFor = -Infinity;
    const now = performance.now();
    // small early tolerance: emitting a little early is better than another loop turn
    const horizon = now + SPIN_MS;
    // when overloaded, yield to I/O every few milliseconds instead of draining a long backlog
    const budgetEnd = now + 4;
    let n = 0;
    let top = this.heap[0];
    while (top && top.at <= horizon) {
      if ((++n & 63) === 0 && performance.now() > budgetEnd) break;
      this.pop();
      if (!top.cancelled) {
        const late = (this.recording ? performance.now() : now) - top.at;
        if (this.recording) this.recording.push(late);
        try {
          top.fn(late);
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
      top = this.heap[0];
    }
    this.arm();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p]!;
      if (less(pe, e)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r]!, h[l]!) ? r : l;
      if (less(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** The process-wide pacer shared by every simulated host. */
export const pacer = new Pacer();
export type { Pacer };
