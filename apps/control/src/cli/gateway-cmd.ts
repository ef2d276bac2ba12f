import { EXIT, failure, UsageError, type CliIo } from './call';
import type { ControlClient } from './http';
import { table } from './format';

export interface GatewayCtx {
  client: ControlClient;
  io: CliIo;
  print: (body: unknown, human: () => void) => void;
  need: (n: number, what: string) => void;
}

/** The gateway's commands: routing dry runs, keys, usage by consumer. */
export async function gatewayCommand(cmd: string, rest: string[], o: { path?: string | undefined }, c: GatewayCtx): Promise<number> {
  const { client, io, print, need } = c;
  if (cmd === 'route') {
    need(1, 'a model (name, host/model or auto:<policy>)');
    const r = await client.call('POST', '/api/control/routing/explain', { model: rest[0], ...(o.path ? { path: o.path } : {}), messages: [{ role: 'user', content: 'dry run' }] });
    if (r.status !== 200) return failure(io, r);
    print(r.body, () => {
      const b = r.body;
      io.out(`${b.requested} → ${b.chosen ? `${b.chosen.hostId}/${b.chosen.model}` : '-'} (${b.outcome}): ${b.reason}`);
      if (b.candidates.length) io.out(table(['HOST', 'MODEL', 'STATE', 'SCORE', 'WHY NOT'], b.candidates.map((s: any) => [s.hostId, s.model, s.state, s.score === null ? '-' : String(s.score), s.filteredBy ?? (s.inputs.leased ? 'leased' : s.inputs.coolingDown ? 'cooling down' : '')])));
    });
    return b_exit(r.body.outcome);
  }
  if (cmd === 'keys') {
    const r = await client.call('GET', '/api/control/gateway/keys');
    if (r.status !== 200) return failure(io, r);
    print(r.body, () => io.out(table(['ID', 'CONSUMER', 'PREFIX', 'SOURCE', 'CREATED'], r.body.keys.map((k: any) => [k.id, k.consumer, k.prefix, k.source, k.createdAt ?? '-']))));
    return EXIT.OK;
  }
  if (cmd === 'key') {
    need(2, 'create <consumer> or revoke <id>');
    const r = rest[0] === 'create' ? await client.call('POST', '/api/control/gateway/keys', { consumer: rest[1] }) : rest[0] === 'revoke' ? await client.call('DELETE', `/api/control/gateway/keys/${encodeURIComponent(rest[1]!)}`) : undefined;
    if (!r) throw new UsageError('key takes create <consumer> or revoke <id>');
    if (r.status !== 200 && r.status !== 201) return failure(io, r);
    print(r.body, () => io.out(rest[0] === 'create' ? `key for ${r.body.consumer} (shown once): ${r.body.key}` : `revoked ${r.body.revoked}`));
    return EXIT.OK;
  }
  const r = await client.call('GET', '/api/control/gateway/usage');
  if (r.status !== 200) return failure(io, r);
  print(r.body, () => io.out(table(['CONSUMER', 'HOST', 'MODEL', 'REQUESTS', 'ERRORS', 'IN TOK', 'OUT TOK'], r.body.groups.map((g: any) => [g.consumer, g.hostId ?? '-', g.model ?? '-', String(g.requests), String(g.errors), String(g.inputTokens), String(g.outputTokens)]))));
  return EXIT.OK;
}

const b_exit = (outcome: string) => (outcome === 'error' ? EXIT.NOT_FOUND : EXIT.OK);
