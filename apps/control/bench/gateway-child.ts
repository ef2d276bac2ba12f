// Bench children of `pnpm bench gateway`, each in its own process so that none competes with the
// load generator's event loop: `sim` runs the simulated host (a mock model for non-streamed
// requests, a fixed chunk schedule for streams); `control` runs control with only the fleet and
// gateway features, watching that host. Each reports its URL to the parent over IPC, then its RSS
// whenever asked.
import { startSimHost } from '@boocontrol/sim';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigSchema } from '../src/config';
import { createControl } from '../src/control';
import { createPgliteDb } from '../src/db/pglite';
import { createPgDb } from '../src/db/pg';

const [role, arg] = process.argv.slice(2) as ['sim' | 'control', string | undefined];
const send = (m: object) => process.send?.(m);

if (role === 'sim') {
  const host = await startSimHost({
    seed: 3,
    perfEveryMs: 60_000,
    config: {
      captureBuffer: 0,
      metricsMaxInMemory: 2_000,
      models: {
        // non-streamed mock: one output token, no pacing to speak of
        mock: { name: 'Mock', loadMs: 5, genTps: 1_000_000, promptTps: 10_000_000, concurrencyLimit: 4096 },
        // streams with a known schedule: first token at 50 ms, then one every 20 ms
        sched: { name: 'Sched', loadMs: 5, concurrencyLimit: 4096, schedule: { firstTokenMs: 50, gapMs: 20, tokens: 40 } },
        // long, slow streams for the open-streams footprint
        slow: { name: 'Slow', loadMs: 5, concurrencyLimit: 4096, schedule: { firstTokenMs: 200, gapMs: 400, tokens: 40 } },
      },
      groups: { all: { swap: false, exclusive: false, members: ['mock', 'sched', 'slow'] } },
    },
  });
  send({ url: host.url });
} else {
  const simUrl = arg!;
  const dbUrl = process.env.BENCH_DATABASE_URL;
  const db = dbUrl ? createPgDb({ connectionString: dbUrl, max: 4 }) : await createPgliteDb();
  const config = ConfigSchema.parse({
    DEMO_FLEET: 'off',
    LOG_LEVEL: 'silent',
    CONTROL_PORT: '0',
    GATEWAY_PORT: '0',
    LLAMA_PROVIDERS: JSON.stringify([{ id: 'sim', label: 'sim', baseUrl: simUrl, kind: 'llama-swap' }]),
  });
  const control = await createControl(config, { db, logger: pino({ level: 'silent' }) as unknown as FastifyBaseLogger, features: ['health', 'fleet', 'gateway'], fleet: { retention: { disabled: true } } });
  await control.app.ready();
  await control.start();
  for (let i = 0; i < 400 && control.ctx.fleet.get('sim')?.status !== 'online'; i++) await new Promise((r) => setTimeout(r, 50));
  send({ url: control.gateway?.url(), backend: db.backend });
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'rss') send({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
    if (m.type === 'stop') void control.close().then(() => process.exit(0));
  });
}
