import type { HostSummary } from '@boocontrol/contracts';
import type { PolicyBook } from '../routing/policies';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  boo: Record<string, unknown>;
}

/**
 * `GET /v1/models` in OpenAI's list shape: the `auto:*` policies, every model name served by an
 * online host (with the hosts and their states), then every `host/model`. The `boo` field is
 * ours; OpenAI clients ignore unknown fields.
 */
export function listModels(hosts: readonly HostSummary[], book: PolicyBook, now = Date.now()): { object: 'list'; data: ModelEntry[] } {
  const created = Math.floor(now / 1000);
  const online = hosts.filter((h) => h.status === 'online' || h.status === 'degraded');
  const data: ModelEntry[] = book.names().map((n) => ({ id: `auto:${n}`, object: 'model', created, owned_by: 'boocontrol', boo: { policy: n, description: book.get(n)?.policy.description ?? '' } }));
  const byName = new Map<string, Array<{ host: string; state: string }>>();
  for (const h of online) for (const m of h.models) byName.set(m.id, [...(byName.get(m.id) ?? []), { host: h.id, state: m.state }]);
  for (const [id, where] of [...byName].sort(([a], [b]) => a.localeCompare(b))) data.push({ id, object: 'model', created, owned_by: 'boocontrol', boo: { hosts: where } });
  for (const h of online) {
    for (const m of h.models) {
      data.push({ id: `${h.id}/${m.id}`, object: 'model', created, owned_by: h.id, boo: { host: h.id, model: m.id, name: m.name, state: m.state, aliases: m.aliases, contextLength: m.contextLength } });
    }
  }
  return { object: 'list', data };
}
