import { z } from 'zod';
import type { ModelState } from '@boocontrol/contracts';
import { sleep } from '../../lib/backoff';
import { HostError, HostHttp } from '../http';
import { StatusTracker } from '../status';
import type { Connector, ConnectorDeps, ModelSnapshot } from '../types';

const ModelsSchema = z.object({ data: z.array(z.object({ id: z.string(), meta: z.object({ n_ctx: z.number().optional() }).loose().nullish() })).nullish() });
const PropsSchema = z.object({ build_info: z.string().optional() }).loose();

type Readiness = 'ready' | 'loading';

/**
 * A plain OpenAI-compatible server (llama-server, SGLang, vLLM): no event stream, so it is
 * polled. `/health` 200 means ready, 503 means loading (llama-server answers 503 on every
 * route while it loads, §12.2), anything else or no answer means down; `/v1/models` names what
 * it serves. Ready → online, loading → degraded, down → offline.
 */
export class OpenAiEndpointConnector implements Connector {
  private readonly http: HostHttp;
  private readonly status: StatusTracker;
  private models: ModelSnapshot[] = [];
  private wasUp = false;

  constructor(private readonly deps: ConnectorDeps) {
    this.http = new HostHttp({ baseUrl: deps.target.baseUrl, apiKey: deps.target.apiKey });
    this.status = new StatusTracker(deps.emit);
  }

  async run(signal: AbortSignal): Promise<void> {
    this.status.connecting();
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.pollOnce(signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        this.wasUp = false;
        this.setModels(this.models.map((m) => ({ ...m, state: 'stopped' as ModelState })));
        this.status.down(err, this.deps.timings.pollEveryMs);
        if (!(err instanceof HostError)) this.deps.log.warn({ host: this.deps.target.id, err }, 'openai endpoint poll failed unexpectedly');
      }
      await sleep(this.deps.timings.pollEveryMs * (failures > 3 ? 2 : 1), signal);
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<void> {
    const t = this.deps.timings;
    const health = await this.http.get('/health', { timeoutMs: t.probeTimeoutMs, signal, okStatuses: [503] });
    const readiness: Readiness = health.status === 503 ? 'loading' : 'ready';
    if (!this.wasUp) {
      this.wasUp = true;
      this.deps.emit({ type: 'connected', version: await this.version(signal), wire: null, capabilities: null });
      this.status.up();
    }
    if (readiness === 'ready') {
      const r = await this.http.getJson('/v1/models', { timeoutMs: t.requestTimeoutMs, signal });
      const p = ModelsSchema.safeParse(r.json);
      if (!p.success) {
        this.deps.count('connector.invalidPayloads');
        this.deps.log.warn({ host: this.deps.target.id, detail: p.error.message.slice(0, 300) }, 'invalid /v1/models from host ignored');
      } else {
        this.setModels(
          (p.data.data ?? []).map((m) => ({ id: m.id, name: '', description: '', state: 'ready' as ModelState, unlisted: false, aliases: [], contextLength: m.meta?.n_ctx ?? null })),
        );
      }
      this.status.resolved('loading');
    } else {
      this.setModels(this.models.map((m) => ({ ...m, state: 'starting' as ModelState })));
      this.status.problem('loading', 'loading model');
    }
  }

  private async version(signal: AbortSignal): Promise<string | null> {
    try {
      const r = await this.http.getJson('/props', { timeoutMs: this.deps.timings.probeTimeoutMs, signal, okStatuses: [404, 501, 503] });
      const p = PropsSchema.safeParse(r.json);
      return r.status === 200 && p.success ? (p.data.build_info ?? null) : null;
    } catch {
      return null; // /props is optional (SGLang, vLLM)
    }
  }

  private setModels(next: ModelSnapshot[]): void {
    const same = next.length === this.models.length && next.every((m, i) => m.id === this.models[i]?.id && m.state === this.models[i]?.state);
    this.models = next;
    if (!same) this.deps.emit({ type: 'models', models: next });
  }
}
