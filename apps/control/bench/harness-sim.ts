// Child process of the harness bench: a simulator host with one model on a fixed schedule (and
// the bare paced floor server), so the engine under test has the parent process to itself.
import { startSimHost } from '@boocontrol/sim';
import { startFloorServer } from '../../../packages/sim/bench/floor';

const FIRST_MS = Number(process.env.HARNESS_FIRST_MS ?? 80);
const GAP_MS = Number(process.env.HARNESS_GAP_MS ?? 20);
const TOKENS = Number(process.env.HARNESS_TOKENS ?? 32);

const host = await startSimHost({
  perfEveryMs: 60_000,
  config: { models: { sched: { loadMs: 0, concurrencyLimit: 100_000, schedule: { firstTokenMs: FIRST_MS, gapMs: GAP_MS, tokens: TOKENS } } } },
});
const floor = await startFloorServer(1000 / GAP_MS);
process.send?.({ type: 'ready', sim: host.url, floor: floor.url });
process.on('message', (m: { type: string }) => {
  if (m.type === 'log') {
    const log = host.scheduleLog();
    process.send?.({ type: 'log', startMs: log.map((e) => e.startMs) });
  } else if (m.type === 'stop') {
    void Promise.all([host.close(), floor.close()]).then(() => process.exit(0));
  }
});
