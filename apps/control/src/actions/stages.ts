import type { ActionStage } from '@boocontrol/contracts';
import type { ActionContext } from '../jobs/queue';
import type { LlamaSwapClient } from './llama-swap.client';

/** The order a switch goes through; a stage never goes back. */
const ORDER: ActionStage[] = ['queued', 'stopping', 'starting', 'loading', 'ready'];

/**
 * Reports job.detail.stage (+ stageAt, elapsedMs) and keeps it monotonic:
 * queued → stopping → starting → loading → ready. Every change is one job frame.
 */
export class StageReporter {
  private current: ActionStage = 'queued';
  private readonly started = Date.now();
  private readonly at: Record<string, number> = {};

  constructor(private readonly ctx: ActionContext) {}

  get stage(): ActionStage {
    return this.current;
  }

  elapsed(): number {
    return Date.now() - this.started;
  }

  advance(stage: ActionStage, extra: Record<string, unknown> = {}): void {
    if (ORDER.indexOf(stage) <= ORDER.indexOf(this.current)) {
      if (Object.keys(extra).length) this.ctx.progress(extra);
      return;
    }
    this.current = stage;
    this.at[stage] = this.elapsed();
    this.ctx.progress({ stage, stageAt: { ...this.at }, elapsedMs: this.elapsed(), ...extra });
  }
}

/**
 * Watches a host's processes while a warm request is held open, turning llama-swap's process
 * states into stages: another model `stopping` → stopping (an eviction); target `starting` →
 * starting, then loading once its log speaks (or after a short while); ready is set by the
 * caller when the warm request returns. Polls `/running` (cheap; the connector's live state may
 * not exist for this host, and /running is authoritative).
 */
export function watchStages(client: LlamaSwapClient, model: string, stages: StageReporter, signal: AbortSignal, pollMs = 200): { sawLog(): void; stop(): void } {
  const ac = new AbortController();
  const stopAll = () => ac.abort();
  signal.addEventListener('abort', stopAll, { once: true });
  let startingSince: number | null = null;
  let logSeen = false;
  const tick = async () => {
    while (!ac.signal.aborted) {
      try {
        const running = await client.running({ timeoutMs: 2_000, signal: ac.signal });
        const target = running.find((p) => p.model === model);
        const evicting = running.some((p) => p.model !== model && p.state === 'stopping');
        if (target?.state === 'starting') {
          startingSince ??= Date.now();
          stages.advance('starting');
          if (logSeen || Date.now() - startingSince >= 600) stages.advance('loading');
        } else if (evicting) {
          stages.advance('stopping');
        }
      } catch {
        /* polling is advisory; the warm request decides */
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        ac.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  };
  void tick();
  return {
    sawLog() {
      logSeen = true;
      if (startingSince !== null) stages.advance('loading');
    },
    stop() {
      signal.removeEventListener('abort', stopAll);
      ac.abort();
    },
  };
}
