import type { InflightRequest, ModelState } from '@boocontrol/contracts';
import type { ActivityRecord, GpuSample, ModelSnapshot, SysSample } from '../types';
import type { WireActivity, WireGpuStat, WireInflightRequest, WireModelStatus, WireSysStat } from './llama-swap-wire';

const STATES: ReadonlySet<string> = new Set(['stopped', 'starting', 'ready', 'stopping']);

/** Unknown strings (legacy `shutdown`, `unknown`, future states) map to a neutral `unknown` (gotcha 15). */
export function mapState(s: string | undefined): ModelState {
  if (s && STATES.has(s)) return s as ModelState;
  if (s === 'shutdown') return 'stopped';
  return 'unknown';
}

/** Peer entries are another host's models: they are not shown as this host's. */
export function mapModelStatus(list: WireModelStatus[]): ModelSnapshot[] {
  return list
    .filter((m) => m.peerID === '')
    .map((m) => ({
      id: m.id,
      name: m.name,
      description: m.description,
      state: mapState(m.state),
      unlisted: m.unlisted,
      aliases: m.aliases ?? [],
      contextLength: m.context_length ?? null,
    }));
}

export function mapInflight(r: WireInflightRequest, now = Date.now()): InflightRequest {
  const started = Date.parse(r.timestamp);
  return {
    id: r.id,
    model: r.model,
    path: r.req_path,
    startedAt: Number.isFinite(started) ? new Date(started).toISOString() : new Date(now - r.elapsed_ms).toISOString(),
    elapsedMs: r.elapsed_ms,
    respBytes: r.resp_bytes,
  };
}

const speed = (v: number): number | null => (v > 0 && Number.isFinite(v) ? v : null);

const ms1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Time to first token from one activity row. llama-swap keeps no `prompt_ms` or `predicted_ms`,
 * but when llama-server sent `timings` the row holds them in another form (protocol §5.2):
 * `input_tokens = prompt_n`, `prompt_per_second`, `output_tokens = predicted_n`,
 * `tokens_per_second = predicted_per_second`, and `duration_ms = max(wall, prompt_ms +
 * predicted_ms)` with the wall clock started before dispatch. So:
 *
 * - `promptMs = prompt_n / prompt_per_second`: llama-server's prompt_ms, prompt processing
 *   alone (tokens reused from the KV cache are not processed, so a cache hit makes it small);
 * - `ttftMs = duration_ms − predicted_ms`: everything before the first generated token as the
 *   proxy timed it — queueing in llama-swap, a model load the request waited for, prompt
 *   processing. It is what a client feels, and never less than promptMs.
 *
 * Both are null without timings (speeds −1: embeddings, vLLM without metrics, the Responses
 * API, errors, llama-swap before v160), and TTFT also when nothing was generated.
 */
export function firstTokenTimes(a: Pick<WireActivity, 'inputTokens' | 'outputTokens' | 'promptTps' | 'genTps' | 'durationMs'>): { ttftMs: number | null; promptMs: number | null } {
  const pp = speed(a.promptTps);
  const tg = speed(a.genTps);
  const promptMs = pp !== null && a.inputTokens > 0 ? (a.inputTokens / pp) * 1000 : null;
  if (promptMs === null || tg === null || a.outputTokens <= 0) return { ttftMs: null, promptMs: promptMs === null ? null : ms1(promptMs) };
  const predictedMs = (a.outputTokens / tg) * 1000;
  return { ttftMs: ms1(Math.max(promptMs, a.durationMs - predictedMs)), promptMs: ms1(promptMs) };
}

export function mapActivity(a: WireActivity): ActivityRecord | undefined {
  const ts = Date.parse(a.timestamp);
  if (!Number.isFinite(ts)) return undefined;
  return {
    ...firstTokenTimes(a),
    upstreamId: a.id,
    ts: new Date(ts),
    model: a.model,
    path: a.reqPath,
    status: a.status,
    contentType: a.contentType,
    inputTokens: Math.max(0, Math.round(a.inputTokens)),
    outputTokens: Math.max(0, Math.round(a.outputTokens)),
    cacheTokens: Math.round(a.cacheTokens),
    draftTokens: Math.round(a.draftTokens),
    draftAccTokens: Math.round(a.draftAccTokens),
    promptTps: speed(a.promptTps),
    genTps: speed(a.genTps),
    durationMs: Math.max(0, Math.round(a.durationMs)),
    error: a.error ? a.error.slice(0, 2000) : null,
    hasCapture: a.hasCapture,
    metadata: a.metadata,
  };
}

/**
 * Identity of a row independent of its id: the store has second precision, so the time is
 * compared in whole seconds. Two different requests matching on all of these is not a concern
 * in practice; what matters is telling a restarted host (ids reused) from the same host.
 */
export function fingerprint(r: { ts: Date; model: string; status: number; outputTokens: number }): string {
  return `${Math.floor(r.ts.getTime() / 1000)}|${r.model}|${r.status}|${r.outputTokens}`;
}

export function mapSys(s: WireSysStat): SysSample | undefined {
  const ts = Date.parse(s.timestamp);
  if (!Number.isFinite(ts)) return undefined;
  const cores = s.cpu_util_per_core ?? [];
  const cpu = cores.length > 0 ? cores.reduce((a, b) => a + b, 0) / cores.length : 0;
  return { ts: new Date(ts), cpuPct: round2(cpu), memUsedMb: s.mem_used_mb, memTotalMb: s.mem_total_mb };
}

export function mapGpu(g: WireGpuStat): GpuSample | undefined {
  const ts = Date.parse(g.timestamp);
  if (!Number.isFinite(ts)) return undefined;
  return {
    ts: new Date(ts),
    gpu: g.id,
    name: g.name,
    utilPct: g.gpu_util_pct,
    memUsedMb: g.mem_used_mb,
    memTotalMb: g.mem_total_mb,
    tempC: g.temp_c,
    powerW: g.power_draw_w,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
