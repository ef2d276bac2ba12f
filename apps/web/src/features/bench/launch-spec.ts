import {
  BenchRunRequestSchema,
  BenchWindowSchema,
  DEFAULT_BENCH_SLOS,
  SyntheticWorkloadSchema,
  type BenchRunRequestInput,
  type BenchSlo,
  type HostSummary,
} from '@boocontrol/contracts';

/** What the launch form edits: text where people type lists, numbers elsewhere. */
export interface LaunchForm {
  host: string;
  model: string;
  driver: 'concurrency' | 'rate';
  levels: string;
  rates: string;
  burstiness: number;
  inputTokens: number;
  outputTokens: number;
  cold: boolean;
  warmupS: number;
  measureS: number;
  cooldownS: number;
  repetitions: number;
  /** p99 TTFT bound (ms); 0 turns the SLO off */
  ttftP99Ms: number;
  /** p50 TPOT bound (ms); 0 turns the SLO off */
  tpotP50Ms: number;
}

const WINDOW = BenchWindowSchema.parse({});
const WORKLOAD = SyntheticWorkloadSchema.parse({ kind: 'synthetic' });
const sloMs = (metric: BenchSlo['metric']) => DEFAULT_BENCH_SLOS.find((s) => s.metric === metric)?.maxMs ?? 0;

/**
 * Defaults: the contract's window and workload (one source of truth with curl and the CLI), a
 * shorter sweep than the engine's 1…32 (a first look at a host, about four and a half minutes),
 * and the contract's SLOs (p99 TTFT at most 2 s, p50 TPOT at most 100 ms).
 */
export const DEFAULT_FORM: LaunchForm = {
  host: '',
  model: '',
  driver: 'concurrency',
  levels: '1, 2, 4, 8',
  rates: '0.5, 1, 2, 4',
  burstiness: 1,
  inputTokens: WORKLOAD.inputTokens,
  outputTokens: WORKLOAD.outputTokens,
  cold: false,
  warmupS: WINDOW.warmupS,
  measureS: WINDOW.measureS,
  cooldownS: WINDOW.cooldownS,
  repetitions: 3,
  ttftP99Ms: sloMs('ttft'),
  tpotP50Ms: sloMs('tpot'),
};

export const parseList = (text: string): number[] =>
  text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);

/** The POST body, or the first thing wrong with the form (checked with the same contract the server uses). */
export function toRequest(f: LaunchForm, takeover = false): { ok: true; body: BenchRunRequestInput } | { ok: false; error: string } {
  if (!f.host) return { ok: false, error: 'pick a host' };
  if (!f.model) return { ok: false, error: 'pick a model' };
  const slos: BenchSlo[] = [];
  if (f.ttftP99Ms > 0) slos.push({ metric: 'ttft', percentile: 99, maxMs: f.ttftP99Ms });
  if (f.tpotP50Ms > 0) slos.push({ metric: 'tpot', percentile: 50, maxMs: f.tpotP50Ms });
  const body: BenchRunRequestInput = {
    host: f.host,
    model: f.model,
    driver: f.driver === 'rate' ? { kind: 'rate', rates: parseList(f.rates), burstiness: f.burstiness } : { kind: 'concurrency', levels: parseList(f.levels) },
    workload: { kind: 'synthetic', inputTokens: f.inputTokens, outputTokens: f.outputTokens, cold: f.cold },
    window: { warmupS: f.warmupS, measureS: f.measureS, cooldownS: f.cooldownS },
    repetitions: f.repetitions,
    slos,
    takeover,
  };
  const r = BenchRunRequestSchema.safeParse(body);
  if (r.success) return { ok: true, body };
  const issue = r.error.issues[0];
  return { ok: false, error: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
}

/** Roughly how long the run takes: every point's windows plus a few seconds of drain each. */
export function estimateSeconds(f: LaunchForm): number {
  const n = (f.driver === 'rate' ? parseList(f.rates) : parseList(f.levels)).length;
  return n * (f.warmupS + f.measureS + f.cooldownS + 2);
}

/**
 * The model a host is benchmarked on by default: a loaded one first (no load time before the
 * first point), and not an embedding model — the engine measures streamed chat completions,
 * which embedding models do not serve.
 */
export function defaultModel(host: HostSummary | undefined): string {
  const chat = (host?.models ?? []).filter((m) => !/embed|bge-/i.test(m.id));
  return (chat.find((m) => m.state === 'ready') ?? chat[0])?.id ?? '';
}

/** Hosts a bench can run on: llama-swap hosts that are up, the online ones first. */
export function benchHosts(hosts: readonly HostSummary[]): HostSummary[] {
  return hosts.filter((h) => h.kind === 'llama-swap' && h.status !== 'offline').sort((a, b) => Number(b.status === 'online') - Number(a.status === 'online') || a.label.localeCompare(b.label));
}
