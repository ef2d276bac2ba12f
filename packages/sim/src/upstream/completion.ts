// One chat / completion / native-completion request on a simulated llama-server: prompt cache,
// output text, the timing plan (model speeds with variance, or a fixed schedule) and the paced
// emission of the response on the shared pacer.
import { pacer } from '../pacer';
import type { PacerHandle } from '../pacer';
import { generateWords, promptWords } from '../text';
import { upstreamLine, writeChunked } from '../logs';
import type { UpstreamExchange, UpstreamRequest, UpstreamWriter } from './types';
import type { UpstreamServer } from './server';
import { chatFinal, chatStreamHead, completionFinal, nativeFinal, timingsOf } from './shapes';
import type { Generation } from './shapes';
import { bodyHeaders, streamHeaders } from './headers';
import { ScheduleError, schedulePlan, speedPlan, stepFor } from './plan';
import type { TokenPlan } from './plan';
import type { SimScheduleStep } from '../timing';
import { ScriptError, replyPieces, scriptedReply } from './script';

export type CompletionKind = 'chat' | 'oai' | 'native';

const SCHEDULE_HEADER = 'X-Sim-Schedule-Id';

function err(status: number, type: string, message: string): string {
  return JSON.stringify({ error: { code: status, message, type } });
}

/** Canonical request key for determinism: the body minus fields that only shape delivery. */
function requestKey(model: string, body: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(body).sort()) {
    if (k === 'stream' || k === 'stream_options' || k === 'max_tokens' || k === 'n_predict' || k === 'max_completion_tokens') continue;
    rest[k] = body[k];
  }
  return `${model}\u0000${JSON.stringify(rest)}`;
}

function scriptWords(text: string, limit: number): { words: string[]; natural: number } {
  const pieces = replyPieces(text);
  return { words: pieces.slice(0, Math.max(0, limit)), natural: pieces.length };
}

export function runCompletion(s: UpstreamServer, kind: CompletionKind, req: UpstreamRequest, body: Record<string, unknown>, w: UpstreamWriter): UpstreamExchange {
  const none: UpstreamExchange = { cut: () => undefined };
  const m = s.model;
  const env = s.env;
  const reply = (status: number, text: string): UpstreamExchange => {
    w.writeHead(status, bodyHeaders(req, text));
    w.end(text);
    return none;
  };
  if (m.embedding) return reply(501, err(501, 'not_supported_error', 'This server does not support completions. Start it without `--embeddings`'));
  const prompt = promptWords(body);
  const nPrompt = Math.max(1, prompt.length);
  if (nPrompt >= m.contextLength) {
    return reply(400, JSON.stringify({ error: { code: 400, message: `the request exceeds the available context size (${m.contextLength} tokens), try increasing it`, type: 'exceed_context_size_error', n_prompt_tokens: nPrompt, n_ctx: m.contextLength } }));
  }
  const t0 = pacer.now();
  const stream = body.stream === true;

  // a schedule fixes the timing (and optionally the length); otherwise speeds, variance and faults
  let step: SimScheduleStep | null = null;
  let index = 0;
  if (m.schedule) {
    index = env.schedules.nextIndex(m.id);
    try {
      step = stepFor(m.schedule, index);
    } catch (e) {
      if (e instanceof ScheduleError) return reply(500, err(500, 'server_error', `invalid sim schedule: ${e.message}`));
      throw e;
    }
  }

  const { slot, cached } = s.takeSlot(prompt);
  // llama.cpp always re-evaluates at least one prompt token
  const cacheN = Math.min(cached, nPrompt - 1);
  const promptN = nPrompt - cacheN;
  const rawLimit = kind === 'native' ? body.n_predict : (body.max_completion_tokens ?? body.max_tokens);
  let limit = typeof rawLimit === 'number' && rawLimit >= 0 ? Math.floor(rawLimit) : Number.POSITIVE_INFINITY;
  limit = Math.min(limit, m.contextLength - nPrompt);
  // A scripted reply replaces the words only: its pieces keep their own whitespace, so the text
  // is their concatenation; everything else (timing, usage, slots, telemetry) follows as usual.
  let scripted: string | null = null;
  if (m.script) {
    try {
      scripted = scriptedReply(m.script, m.id, body);
    } catch (e) {
      if (e instanceof ScriptError) return reply(500, err(500, 'server_error', `invalid sim script: ${e.message}`));
      throw e;
    }
  }
  const { words, natural } = scripted !== null ? scriptWords(scripted, limit) : generateWords(env.seed, requestKey(m.id, body), limit, step?.tokens);
  const sep = scripted !== null ? '' : ' ';
  const finish: 'stop' | 'length' = natural <= limit ? 'stop' : 'length';

  let plan: TokenPlan;
  const extra: Record<string, string> = {};
  if (step) {
    const sp = schedulePlan(step, words.length);
    plan = sp;
    const arrived = req.arrivedAt ?? t0;
    const id = env.schedules.record({
      model: m.id,
      index,
      path: req.path,
      stream,
      arrivedAt: Date.now() - (t0 - arrived),
      startMs: t0 - arrived,
      firstTokenMs: step.firstTokenMs,
      chunkMs: sp.chunkMs,
      endMs: sp.doneMs,
    });
    extra[SCHEDULE_HEADER] = String(id);
  } else {
    plan = speedPlan(promptN, words.length, m.promptTps, m.genTps, env.slowFactor(m.id), env.speeds.draw(m.id, m.variance ?? env.variance));
  }

  const task = s.nextTask();
  const gen: Generation = {
    kind,
    profile: m.llamaServer ?? env.profile,
    model: typeof body.model === 'string' ? body.model : m.id,
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${s.newId()}`,
    created: Math.floor(Date.now() / 1000),
    fingerprint: env.buildInfo,
    words,
    finish,
    nPrompt,
    cacheN,
    promptN,
    promptMs: plan.promptMs,
    predictedMs: plan.predictedMs,
    includeUsage: !!(body.stream_options && typeof body.stream_options === 'object' && (body.stream_options as Record<string, unknown>).include_usage === true),
    promptText: typeof body.prompt === 'string' ? body.prompt : '',
    slot,
  };
  s.log(upstreamLine(`slot launch_slot_: id  ${slot} | task ${task} | processing task`));
  s.log(upstreamLine(`slot update_slots: id  ${slot} | task ${task} | new prompt, n_ctx_slot = ${m.contextLength}, n_keep = 0, n_prompt_tokens = ${nPrompt}`));

  let handle: PacerHandle | null = null;
  let done = false;
  let released = false;
  const release = (tokens: string[]): void => {
    if (released) return;
    released = true;
    s.releaseSlot(slot, tokens);
  };
  const finishLog = (status: number): void => {
    release([...prompt, ...words]);
    const t = timingsOf(gen);
    writeChunked(
      { write: (c: string) => s.log(c) },
      upstreamLine(`prompt eval time = ${t.prompt_ms.toFixed(2).padStart(10)} ms / ${String(t.prompt_n).padStart(5)} tokens (${t.prompt_per_token_ms.toFixed(2).padStart(8)} ms per token, ${t.prompt_per_second.toFixed(2).padStart(8)} tokens per second)`) +
        upstreamLine(`       eval time = ${t.predicted_ms.toFixed(2).padStart(10)} ms / ${String(t.predicted_n).padStart(5)} tokens (${t.predicted_per_token_ms.toFixed(2).padStart(8)} ms per token, ${t.predicted_per_second.toFixed(2).padStart(8)} tokens per second)`) +
        upstreamLine(`slot      release: id  ${slot} | task ${task} | stop processing: n_past = ${nPrompt + words.length}, truncated = 0`) +
        upstreamLine(`srv  log_server_r: request: ${req.method} ${req.path} ${req.remoteIp} ${status}`),
      task,
    );
  };
  const exchange: UpstreamExchange = {
    cut: () => {
      // a cancelled task leaves its processed prompt in the slot
      release([...prompt]);
      done = true;
      handle?.cancel();
    },
  };

  if (!stream) {
    handle = pacer.schedule(t0 + plan.doneMs, () => {
      if (done) return;
      done = true;
      const text = words.join(sep);
      const out = JSON.stringify(kind === 'chat' ? chatFinal(gen, text) : kind === 'oai' ? completionFinal(gen, text) : nativeFinal(gen, text));
      w.writeHead(200, bodyHeaders(req, out, undefined, extra));
      w.end(out);
      finishLog(200);
    });
    return exchange;
  }

  const enc = chatStreamHead(gen);
  const lead = w.leadMs;
  const dueOf = (k: number): number => t0 + plan.at(k);
  let i = 0;
  const emit = (): void => {
    if (done) return;
    // The first emission (headers, role, first token) runs at its due time. With a lead, later
    // ones run up to `lead` ahead and tell the writer when their bytes are due, so a busy moment
    // on this thread does not make them late; without one they are written as emitted.
    const due = i === 0 || lead === 0 ? 0 : dueOf(i);
    if (i === 0) {
      w.writeHead(200, streamHeaders(req, extra));
      if (kind === 'chat') w.write(enc.role);
    }
    if (i < words.length) {
      const word = i === 0 ? (words[0] ?? '') : `${sep}${words[i] ?? ''}`;
      w.write(enc.token(word, i + 1), due);
      i++;
      if (i < words.length) {
        handle = pacer.schedule(dueOf(i) - lead, emit);
        return;
      }
    }
    done = true;
    w.end(enc.final(), due);
    // the closing log line when the response is complete (cut() cancels it with the stream)
    if (due > 0) handle = pacer.schedule(due, () => finishLog(200));
    else finishLog(200);
  };
  handle = pacer.schedule(words.length > 0 ? dueOf(0) : t0 + plan.doneMs, emit);
  return exchange;
}
