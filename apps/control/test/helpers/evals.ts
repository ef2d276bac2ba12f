import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimHost, type SimConfig, type SimHost, type SimScriptRequest } from '@boocontrol/sim';
import { EvalRunDetailSchema, type EvalRunDetail } from '@boocontrol/contracts';
import { DEFAULT_SUITES_DIR } from '../../src/evals/suites/loader';
import type { Backend } from './db';

type LightMyRequestResponse = Awaited<ReturnType<import('fastify').FastifyInstance['inject']>>;
import { startTestControl } from './control';
import { until } from './sim-events';
import { FAST } from './fleet';

export type Script = (req: SimScriptRequest) => string | undefined;

/** The shipped suites' items, read the way a test needs them (JSONL lines). */
export function suiteItems<T>(suite: string, file = 'items.jsonl'): T[] {
  return readFileSync(join(DEFAULT_SUITES_DIR, suite, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** A copy of the shipped suites in a temp dir, plus extra ones (name → files), for bad-input tests. */
export function suitesCopy(extra: Record<string, Record<string, string>> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'boo-suites-'));
  cpSync(DEFAULT_SUITES_DIR, dir, { recursive: true });
  for (const [name, files] of Object.entries(extra)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, name, f), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface EvalStack {
  sim: SimHost;
  t: Awaited<ReturnType<typeof startTestControl>>;
  post(path: string, body: unknown): Promise<LightMyRequestResponse>;
  get(path: string): Promise<LightMyRequestResponse>;
  /** Waits for a run to leave queued/running and returns it with every item. */
  finished(runId: string, timeoutMs?: number): Promise<EvalRunDetail>;
  close(): Promise<void>;
}

/** A sim host whose models answer by script, and a control with the evals feature on it. */
export async function startEvalStack(backend: Backend, models: SimConfig['models'], opts: { suitesDir?: string; bwrap?: string } = {}): Promise<EvalStack> {
  const sim = await startSimHost({ seed: 3, perfEveryMs: 1000, config: { models } });
  const providers = [{ id: 'h1', label: 'Host 1', baseUrl: sim.url, kind: 'llama-swap' }];
  const t = await startTestControl(backend, { LLAMA_PROVIDERS: JSON.stringify(providers) }, { fleet: FAST, evals: { ...(opts.suitesDir ? { suitesDir: opts.suitesDir } : {}), ...(opts.bwrap ? { bwrap: opts.bwrap } : {}) } });
  await until(() => (t.control.ctx.fleet.get('h1')?.models.length ?? 0) > 0, 'the fleet to list the models');
  const app = t.control.app;
  const stack: EvalStack = {
    sim,
    t,
    post: (path, body) => app.inject({ method: 'POST', url: `/api/control/${path}`, payload: body as object }),
    get: (path) => app.inject({ method: 'GET', url: `/api/control/${path}` }),
    async finished(runId, timeoutMs = 90_000) {
      // a gentle poll: PGlite runs in this process, next to the job it would slow down
      const end = Date.now() + timeoutMs;
      for (;;) {
        const last = EvalRunDetailSchema.parse((await stack.get(`evals/runs/${runId}?limit=500`)).json());
        if (last.status !== 'queued' && last.status !== 'running') return last;
        if (Date.now() > end) throw new Error(`timed out waiting for eval run ${runId} (${last.status}, ${last.itemsDone}/${last.itemsTotal})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await t.close();
      await sim.close();
    },
  };
  return stack;
}
