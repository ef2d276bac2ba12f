// Fleets, the demo configs and the load generator.
import { describe, expect, it } from 'vitest';
import { createLoadGenerator, demoFleetConfigs, startSimFleet, startSimHost } from '../src/index';

describe('fleet', () => {
  it('demo configs describe three distinct hosts', () => {
    const d = demoFleetConfigs();
    expect(d.map((h) => h.name)).toEqual(['rtx5090', 'p104', 'dual-3090']);
    const models = d.map((h) => Object.keys((h.config as { models: object }).models).sort().join(','));
    expect(new Set(models).size).toBe(3);
    expect(d[2]?.gpus?.count).toBe(2);
  });

  it('one process hosts 50 simulated hosts on consecutive ports', async () => {
    const fleet = await startSimFleet({ hosts: 50, seed: 3 });
    try {
      expect(fleet.hosts).toHaveLength(50);
      expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(50);
      expect(fleet.hosts[3]?.name).toBe('rtx5090-2');
      const ok = await Promise.all(fleet.hosts.map(async (h) => (await fetch(`${h.url}/health`)).status));
      expect(ok.every((s) => s === 200)).toBe(true);
    } finally {
      await fleet.close();
    }
  }, 60_000);

  it('the load generator sends seeded traffic, respects concurrency and stops cleanly', async () => {
    const h = await startSimHost({ seed: 2, config: { models: { c: { loadMs: 5, genTps: 3000, promptTps: 1e5 }, e: { loadMs: 5, embedding: true } }, groups: { g: { swap: false, members: ['c', 'e'] } } } });
    try {
      const gen = createLoadGenerator({ targets: [{ url: h.url, models: ['c', { id: 'e', kind: 'embedding' }] }], rate: 80, concurrency: 4, promptTokens: [5, 20], maxTokens: [2, 8], seed: 9, stream: true });
      gen.start();
      const end = Date.now() + 10_000;
      while (gen.stats().completed < 10 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await gen.stop();
      const s = gen.stats();
      expect(s.completed).toBeGreaterThanOrEqual(10);
      expect(s.failed).toBe(0);
      expect(s.tokens).toBeGreaterThan(0);
      expect(s.inFlight).toBe(0);
      expect(gen.running).toBe(false);
    } finally {
      await h.close();
    }
  });
});
