// Completed requests without the HTTP round trip, for load that must reach thousands of rows per
// second on a small machine (the ingest benchmark). Everything a cockpit can observe of a finished
// chat request is produced in llama-swap's order: the in-flight upsert and remove, the model's
// log lines, the access-log line, then the activity row is stored and announced. What is skipped
// is only what a watcher never sees: the client's socket, the request parse and the token pacing.
import type { HostCore } from './core';
import { resolveModel } from './config';
import { upstreamLine } from './logs';
import type { Rng } from './rng';
import { goDuration } from './time';

export interface SyntheticRequest {
  model: string;
  /** prompt tokens (default: 16–512, seeded) */
  promptTokens?: number;
  /** generated tokens (default: 8–256, seeded) */
  outputTokens?: number;
  /** response status (default 200); other statuses store an error row as llama-swap would */
  status?: number;
}

/**
 * Records one finished `/v1/chat/completions` request on a ready model. Returns the activity id,
 * or null when the model is unknown or not ready (a synthetic request never loads a model: load
 * with a real request first).
 */
export function synthesizeCompletion(core: HostCore, rng: Rng, r: SyntheticRequest): number | null {
  const id = resolveModel(core.cfg, r.model);
  const proc = id === undefined ? undefined : core.rt.procs.get(id);
  if (id === undefined || !proc || proc.state !== 'ready') return null;
  const m = core.cfg.models.get(id)!;
  const status = r.status ?? 200;
  const promptN = r.promptTokens ?? rng.int(16, 512);
  const outN = status === 200 ? (r.outputTokens ?? rng.int(8, 256)) : 0;
  // the same per-request speed draws as a real request (none without variance)
  const draw = core.upstreamEnv.speeds.draw(id, m.variance ?? core.upstreamEnv.variance);
  const promptMs = (promptN / m.promptTps) * 1000 * draw.promptTime;
  const genMs = (outN / m.genTps) * 1000 * draw.genTime;
  const entry = core.rt.inflight.start({
    model: id,
    req_path: '/v1/chat/completions',
    method: 'POST',
    req_headers: { 'Content-Type': 'application/json', 'User-Agent': 'boocontrol-sim-synthetic' },
    remote_ip: '127.0.0.1',
    detailed: core.wire === 'head',
    cancel: () => undefined,
  });
  const log = core.modelLog(id);
  log.write(
    upstreamLine(`slot launch_slot_: id  0 | task ${entry.id} | processing task`) +
      upstreamLine(`prompt eval time = ${promptMs.toFixed(2).padStart(10)} ms / ${String(promptN).padStart(5)} tokens`) +
      upstreamLine(`       eval time = ${genMs.toFixed(2).padStart(10)} ms / ${String(outN).padStart(5)} tokens`) +
      upstreamLine(`srv  log_server_r: request: POST /v1/chat/completions 127.0.0.1 ${status}`),
  );
  core.rt.inflight.end(entry);
  const bytes = 300 + outN * 6;
  core.log('info', `Request 127.0.0.1 "POST /v1/chat/completions HTTP/1.1" ${status} ${bytes} "boocontrol-sim-synthetic" ${goDuration(promptMs + genMs)}`);
  const ok = status === 200;
  const row = core.recordActivity({
    ts: Date.now(),
    model: id,
    req_path: '/v1/chat/completions',
    resp_content_type: 'application/json',
    resp_status_code: status,
    tokens: {
      cache_tokens: 0,
      draft_tokens: ok ? -1 : 0,
      draft_acc_tokens: ok ? -1 : 0,
      input_tokens: ok ? promptN : 0,
      output_tokens: outN,
      prompt_per_second: ok ? m.promptTps / draw.promptTime : 0,
      tokens_per_second: ok ? m.genTps / draw.genTime : 0,
    },
    duration_ms: Math.round(promptMs + genMs),
    ...(ok ? {} : { error_msg: `${status} synthetic failure` }),
  });
  core.bytesSent += bytes;
  return row.id;
}
