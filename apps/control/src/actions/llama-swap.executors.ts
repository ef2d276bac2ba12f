import { isAppError } from '../lib/errors';
import type { LlamaSwapClient } from './llama-swap.client';
import type { ActionContext, Executor } from '../jobs/queue';
import { StageReporter, watchStages } from './stages';

/** What the llama-swap executors need about the host. */
export interface LlamaHostDeps {
  hostId: string;
  client: LlamaSwapClient;
  /** Deadline of one warm request: above the host's healthCheckTimeout plus eviction time. */
  warmTimeoutMs: number;
  unloadTimeoutMs: number;
  /** Writes a line into the host's live log view (the `--- switching to X ---` separator). */
  logLine?: ((text: string) => void) | undefined;
}

export interface WarmResult extends Record<string, unknown> {
  model: string;
  loadMs: number;
  alreadyReady: boolean;
  elapsedMs: number;
}

const LOADED = new Set(['starting', 'ready', 'stopping']);

/**
 * Holds `GET /upstream/<model>/health` open until llama-swap has evicted what its groups say and
 * started the model, while following the model's log into the job output and turning process
 * states into stages. Resolves when the model answers healthy.
 */
async function warmAndWatch(deps: LlamaHostDeps, ctx: ActionContext, stages: StageReporter, model: string): Promise<WarmResult> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const watcher = watchStages(deps.client, model, stages, ac.signal);
  const follow = deps.client.followLog(model, ac.signal, (text) => {
    ctx.log(text);
    watcher.sawLog();
  });
  try {
    const { ms } = await deps.client.warm(model, { timeoutMs: deps.warmTimeoutMs, signal: ctx.signal });
    stages.advance('ready', { loadMs: ms, model });
    ctx.log(`ready: ${model} (${(ms / 1000).toFixed(1)} s)\n`);
    return { model, loadMs: ms, alreadyReady: false, elapsedMs: stages.elapsed() };
  } catch (err) {
    ctx.progress({ stage: ctx.signal.aborted ? 'cancelled' : 'failed', failedAt: stages.stage, elapsedMs: stages.elapsed() });
    if (!ctx.signal.aborted) ctx.log(`failed: ${err instanceof Error ? err.message : String(err)}\n`);
    throw err;
  } finally {
    watcher.stop();
    ac.abort();
    ctx.signal.removeEventListener('abort', onAbort);
    await follow;
  }
}

/** Warm: make the model ready (llama-swap evicts per its groups). Returns at once when it already is. */
export function warmExecutor(deps: LlamaHostDeps, model: string): Executor {
  return async (ctx) => {
    const stages = new StageReporter(ctx);
    const running = await deps.client.running({ timeoutMs: 10_000, signal: ctx.signal });
    if (running.some((p) => p.model === model && p.state === 'ready')) {
      stages.advance('ready', { loadMs: 0, alreadyReady: true, model });
      return { model, loadMs: 0, alreadyReady: true, elapsedMs: stages.elapsed() } satisfies WarmResult;
    }
    return await warmAndWatch(deps, ctx, stages, model);
  };
}

/**
 * Switch: warm the target; with `exclusive`, first unload every other model still loaded (the
 * groups may let some stay). Returns at once when the target is ready and nothing must go.
 */
export function switchExecutor(deps: LlamaHostDeps, model: string, exclusive: boolean): Executor {
  return async (ctx) => {
    const stages = new StageReporter(ctx);
    const running = await deps.client.running({ timeoutMs: 10_000, signal: ctx.signal });
    const targetReady = running.some((p) => p.model === model && p.state === 'ready');
    const others = exclusive ? running.filter((p) => p.model !== model && LOADED.has(p.state)).map((p) => p.model) : [];
    if (targetReady && others.length === 0) {
      stages.advance('ready', { loadMs: 0, alreadyReady: true, model });
      return { model, loadMs: 0, alreadyReady: true, elapsedMs: stages.elapsed() } satisfies WarmResult;
    }
    deps.logLine?.(`--- switching to ${model} ---\n`);
    ctx.log(`--- switching to ${model} ---\n`);
    if (others.length > 0) {
      stages.advance('stopping', { unloading: others });
      ctx.log(`unloading ${others.join(', ')}\n`);
      try {
        await Promise.all(others.map((m) => deps.client.unload(m, { timeoutMs: deps.unloadTimeoutMs, signal: ctx.signal })));
      } catch (err) {
        // A model that vanished between /running and the unload is already gone: fine.
        if (!(isAppError(err) && err.code === 'NOT_FOUND')) {
          ctx.progress({ stage: ctx.signal.aborted ? 'cancelled' : 'failed', failedAt: 'stopping' });
          throw err;
        }
      }
    }
    if (targetReady) {
      stages.advance('ready', { loadMs: 0, alreadyReady: true, model });
      return { model, loadMs: 0, alreadyReady: true, elapsedMs: stages.elapsed() } satisfies WarmResult;
    }
    return await warmAndWatch(deps, ctx, stages, model);
  };
}

/** Unload one model, or all when `model` is undefined; blocks until llama-swap stopped them. */
export function unloadExecutor(deps: LlamaHostDeps, model: string | undefined): Executor {
  return async (ctx) => {
    const started = Date.now();
    ctx.progress({ stage: 'stopping', model: model ?? null });
    ctx.log(model ? `unloading ${model}\n` : 'unloading every model\n');
    await deps.client.unload(model, { timeoutMs: deps.unloadTimeoutMs, signal: ctx.signal });
    const elapsedMs = Date.now() - started;
    ctx.progress({ stage: 'stopped', elapsedMs });
    return { model: model ?? null, elapsedMs };
  };
}

/** Cancels one in-flight request on the host (llama-swap v235+). */
export function cancelInflightExecutor(deps: LlamaHostDeps, requestId: string): Executor {
  return async (ctx) => {
    ctx.progress({ stage: 'running', requestId });
    await deps.client.cancelInflight(requestId, { timeoutMs: 10_000, signal: ctx.signal });
    ctx.progress({ stage: 'done' });
    return { requestId };
  };
}
