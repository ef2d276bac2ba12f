// The routing decision alone (G3: ≤ 50 µs p99): auto:fast over a fixed 10-host fleet, three
// models each, some loaded, some busy; inputs as the gateway holds them (in memory).
import type { HostSummary, LiveModel } from '@boocontrol/contracts';
import { PolicyBook } from '../src/routing/policies';
import { Router } from '../src/routing/router';
import type { ScoreInputs } from '../src/routing/score';

const model = (id: string, state: LiveModel['state']): LiveModel => ({ id, name: id, description: '', state, unlisted: false, aliases: [], contextLength: 32768, since: null });

export function decisionTimes(n = 20_000): { p50Us: number; p99Us: number } {
  const fleet: HostSummary[] = Array.from({ length: 10 }, (_, i) => ({
    id: `h${i}`,
    label: `h${i}`,
    kind: 'llama-swap',
    baseUrl: `http://h${i}`,
    source: 'config',
    status: 'online',
    statusReason: null,
    lastError: null,
    version: null,
    epoch: 0,
    connectedAt: null,
    models: [model('a', i % 2 ? 'ready' : 'stopped'), model('b', 'ready'), model('c', i % 3 ? 'stopped' : 'ready')],
    inflight: Array.from({ length: i % 4 }, (_, k) => ({ id: String(k), model: 'b', path: '/v1/chat/completions', startedAt: '', elapsedMs: 0, respBytes: 0 })),
    perf: null,
  }));
  const inputs: ScoreInputs = {
    speed: (_h, _m, inflight) => ({ ttftMs: 80 + 20 * inflight, tpotMs: 12 + inflight, source: 'bench', runId: 'r' }),
    loadMs: () => 9_000,
    quality: (m) => ({ score: m === 'a' ? 80 : 70, ciLow: null, ciHigh: null, n: 100, source: 'eval', category: null }),
    inflight: (h, m) => fleet.find((x) => x.id === h)!.inflight.filter((r) => r.model === m).length,
    hostInflight: (h) => fleet.find((x) => x.id === h)!.inflight.length,
    errorRate: () => 0,
    coolingDown: () => false,
    leased: () => false,
    facts: () => ({}),
    hostTags: () => [],
  };
  const router = new Router(() => fleet, new PolicyBook(), inputs);
  const need = { kind: 'chat' as const, tokens: 200, tools: false };
  for (let i = 0; i < 5_000; i++) router.decide('auto:fast', need);
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    router.decide('auto:fast', need);
    t.push((performance.now() - t0) * 1000);
  }
  t.sort((a, b) => a - b);
  return { p50Us: t[Math.floor(n * 0.5)]!, p99Us: t[Math.floor(n * 0.99)]! };
}
