// `pnpm bench hub`: how fast the live hub fans out deltas, and what contract validation costs.
// Figures are ratios within one run (validated vs not, 1 vs 100 subscribers); absolute numbers
// on a shared 2-core machine mean little.
import { Hub, type HubSocket } from '../src/live/hub';
import { FleetState } from '../src/fleet/fleet-state';
import { EventBus } from '../src/events/bus';
import { LiveBridge } from '../src/live/bridge';
import { PROTOCOL_VERSION } from '@boocontrol/contracts';

class NullSocket implements HubSocket {
  bytes = 0;
  bufferedAmount = 0;
  send(d: string) {
    this.bytes += d.length;
  }
  close() {}
}

function run(subscribers: number, validate: boolean, updates: number) {
  const hub = new Hub({ validate });
  const bus = new EventBus();
  const fleet = new FleetState(bus);
  new LiveBridge(bus, hub).fleet(fleet);
  fleet.upsert({ id: 'h1', label: 'H1', kind: 'llama-swap', baseUrl: 'http://x', source: 'config' });
  const socks = Array.from({ length: subscribers }, () => new NullSocket());
  for (const s of socks) {
    const c = hub.connect(s);
    c.onMessage(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION }));
    c.onMessage(JSON.stringify({ type: 'subscribe', topics: ['fleet'] }));
  }
  const models = Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, name: `Model ${i}`, description: '', state: 'stopped' as const, unlisted: false, aliases: [], contextLength: 8192, since: null }));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < updates; i++) fleet.update('h1', { models, statusReason: `u${i}` });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  hub.close();
  return { perSec: Math.round((updates / ms) * 1000), framesPerSec: Math.round(((updates * 2 * subscribers) / ms) * 1000) };
}

const n = 20_000;
run(1, true, 2000); // warm-up
for (const subs of [1, 100]) {
  const v = run(subs, true, n);
  const nv = run(subs, false, n);
  console.log(
    `subscribers=${subs}: ${v.perSec.toLocaleString()} host updates/s validated (${v.framesPerSec.toLocaleString()} frames/s), ` +
      `${nv.perSec.toLocaleString()}/s unvalidated → validation costs ${((1 - v.perSec / nv.perSec) * 100).toFixed(0)} %`,
  );
}
