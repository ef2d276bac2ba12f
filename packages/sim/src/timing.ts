// How fast a simulated llama-server answers, beyond the model's nominal speeds: seeded per-request
// variance (speed jitter, occasional slow requests) and fixed schedules for benchmarks, plus the
// log of what each scheduled request was scheduled to do. Both are opt-in; without them every
// request runs at exactly the model's promptTps / genTps, which exact-number tests rely on.
import { Rng, hashString } from './rng';

/**
 * Which llama-server generation's response shapes to serve (see README "llama-server profiles").
 * - `current`: the 2026 code base the protocol reference describes. A streamed chat sends `usage`
 *   only when asked (`stream_options.include_usage`), in an extra `choices: []` chunk that also
 *   carries `timings`; `usage` has no `prompt_tokens_details`.
 * - `legacy`: builds up to mid-2025. The `finish_reason` chunk always carries `usage` together with
 *   `timings`; there is no extra usage chunk.
 * - `newest`: `current` plus `usage.prompt_tokens_details.cached_tokens` (the newest README).
 */
export type LlamaServerProfile = 'legacy' | 'current' | 'newest';

/** Seeded per-request variation of a model's speeds. */
export interface SimVariance {
  /** relative spread of each request's prompt and generation speed: 0.15 = within ±15 % */
  speedJitter?: number;
  /** share of requests (0–1) that run slowly, as under contention */
  slowChance?: number;
  /** how many times longer a slow request's prompt and generation take, default 3 */
  slowFactor?: number;
}

/** One request's fixed timing. */
export interface SimScheduleStep {
  /** ms from the upstream starting on the request to its first content chunk */
  firstTokenMs: number;
  /** ms between content chunks: one value for every gap, or one per gap (the last one repeats) */
  gapMs: number | number[];
  /** exact number of tokens to generate (still capped by max_tokens and the context) */
  tokens?: number;
}

/** The same step for every request, one per request index (cycling), or computed per index. */
export type SimSchedule = SimScheduleStep | SimScheduleStep[] | ((index: number) => SimScheduleStep);

/** One scripted-answer rule: every condition given must hold on the request's text. */
export interface SimScriptRule {
  /** the request's text (all message contents and the prompt, joined by newlines) contains this */
  match?: string;
  /** the request's text matches this regular expression (source, with `flags`) */
  regex?: string;
  flags?: string;
  /** the reply, verbatim (whitespace and newlines kept) */
  reply: string;
}

/** What a script function sees of a request. */
export interface SimScriptRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** `prompt` of /v1/completions (or `content` of /completion), else '' */
  prompt: string;
  /** the last user message's content (or the prompt) */
  lastUser: string;
  /** all message contents and the prompt, joined by newlines: what rules match against */
  text: string;
  /** the request body as sent (sampling fields such as `seed` and `temperature` included) */
  body: Readonly<Record<string, unknown>>;
}

/** Rules tried in order (the first match wins), or a function; no match → the usual pseudo-words. */
export type SimScript = SimScriptRule[] | ((req: SimScriptRequest) => string | null | undefined);

/** What a scheduled request was scheduled to do, for comparing against what a client measured. */
export interface ScheduledRequest {
  /** 1, 2, … per host in the order requests reached an upstream; also sent as `X-Sim-Schedule-Id` */
  id: number;
  model: string;
  /** the model's request index that chose the step (0-based, counts scheduled requests of the model) */
  index: number;
  path: string;
  stream: boolean;
  /** wall-clock ms when the request reached llama-swap */
  arrivedAt: number;
  /** ms from arrival until the upstream started on it (queueing and loading; measured) */
  startMs: number;
  /** ms after the upstream start: first content chunk (= the step's firstTokenMs) */
  firstTokenMs: number;
  /** ms after the upstream start at which each content chunk is due, in order */
  chunkMs: number[];
  /** ms after the upstream start at which the response completes */
  endMs: number;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Per-request speed factors: multiply a phase's nominal duration by these. */
export interface SpeedDraw {
  promptTime: number;
  genTime: number;
}

const NOMINAL: SpeedDraw = { promptTime: 1, genTime: 1 };

/**
 * One RNG stream per model (seeded by the host seed and the model id), advanced once per request,
 * so the same request sequence always gets the same speeds. It outlives model reloads; a restart
 * starts the streams again, as a fresh process would.
 */
export class VarianceSource {
  private streams = new Map<string, Rng>();

  constructor(private readonly seed: number) {}

  draw(model: string, v: SimVariance | null): SpeedDraw {
    if (!v) return NOMINAL;
    const jitter = clamp01(v.speedJitter ?? 0);
    const slowChance = clamp01(v.slowChance ?? 0);
    if (jitter === 0 && slowChance === 0) return NOMINAL;
    const r = this.streams.get(model) ?? new Rng(hashString(`variance\u0000${model}`, this.seed));
    this.streams.set(model, r);
    // triangular in (-1, 1): most requests near nominal, few at the edges
    const tri = (): number => r.next() + r.next() - 1;
    const promptSpeed = 1 + jitter * tri();
    const genSpeed = 1 + jitter * tri();
    const slow = r.next() < slowChance ? Math.max(1, v.slowFactor ?? 3) : 1;
    return { promptTime: slow / promptSpeed, genTime: slow / genSpeed };
  }

  reset(): void {
    this.streams.clear();
  }
}

/** Bounded, so a long benchmark cannot grow the simulator without limit. */
const LOG_MAX = 10_000;

export class ScheduleBook {
  private entries: ScheduledRequest[] = [];
  private nextId = 1;
  private indexes = new Map<string, number>();

  /** The model's next request index (0, 1, …). */
  nextIndex(model: string): number {
    const i = this.indexes.get(model) ?? 0;
    this.indexes.set(model, i + 1);
    return i;
  }

  record(e: Omit<ScheduledRequest, 'id'>): number {
    const id = this.nextId++;
    this.entries.push({ id, ...e });
    if (this.entries.length > LOG_MAX) this.entries.splice(0, this.entries.length - LOG_MAX);
    return id;
  }

  list(): ScheduledRequest[] {
    return this.entries.map((e) => ({ ...e, chunkMs: [...e.chunkMs] }));
  }

  reset(): void {
    this.entries = [];
    this.nextId = 1;
    this.indexes.clear();
  }
}
