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

export function mapActivity(a: WireActivity): ActivityRecord | undefined {
  const ts = Date.parse(a.timestamp);
  if (!Number.isFinite(ts)) return undefined;
  return {
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
