import type { SlotStatusList } from '@boocontrol/contracts';
import { HostHttp } from '../connectors/http';
import { AppError } from '../lib/errors';
import type { HostDirectory } from '../hosts/host-directory';

/** Probes a script host's slots: `/health` and `/v1/models` of each configured slot URL. */
export class SlotProbe {
  constructor(
    private readonly directory: HostDirectory,
    private readonly slots: (hostId: string) => { primary?: string | undefined; secondary?: string | undefined } | undefined,
  ) {}

  async probe(hostId: string): Promise<SlotStatusList> {
    const host = await this.directory.get(hostId);
    if (!host) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    const conf = this.slots(hostId) ?? {};
    const entries = (['primary', 'secondary'] as const).flatMap((slot) => (conf[slot] ? [{ slot, url: conf[slot] }] : []));
    const slots = await Promise.all(
      entries.map(async ({ slot, url }) => {
        const started = Date.now();
        const http = new HostHttp({ baseUrl: url.replace(/\/+$/, ''), apiKey: host.apiKey });
        try {
          await http.get('/health', { timeoutMs: 2_500 });
          const { json } = await http.getJson('/v1/models', { timeoutMs: 2_500 });
          const models = ((json as { data?: Array<{ id?: unknown }> } | null)?.data ?? []).map((m) => String(m.id));
          return { slot, url, healthy: true, models, error: null, elapsedMs: Date.now() - started };
        } catch (err) {
          return { slot, url, healthy: false, models: [], error: err instanceof Error ? err.message : String(err), elapsedMs: Date.now() - started };
        }
      }),
    );
    return { hostId, slots };
  }
}
