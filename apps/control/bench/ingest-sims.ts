// Bench child 1: the simulated fleet and its load, in their own process so that they do not
// compete with control's event loop. Also listens to every host's /api/events as a second
// client and timestamps each `activity {id}` event: that is "the event" of the latency figure.
//
// Two kinds of load run together so that the fleet completes `rate` requests/s in all: closed-loop
// HTTP chat requests (`concurrency` in flight across the fleet, spread over the hosts: the full
// request path), and synthetic completions
// for the rest (SimHost.synthesize: the same in-flight, log, activity-row and event trail without
// the HTTP round trip). One process on this 2-core machine cannot serve thousands of real requests per
// second next to control, so the synthetic part is what lets the bench reach control's rates.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startSimFleet, type SimHostOptions } from '@boocontrol/sim';

interface Job {
  hosts: number;
  /** HTTP requests in flight across the fleet (round-robin over the hosts) */
  concurrency: number;
  /** completed requests per second across the fleet, HTTP and synthetic together */
  rate: number;
  sampleEvery: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const now = () => performance.timeOrigin + performance.now();
const spec: SimHostOptions = {
  perfEveryMs: 5000,
  config: {
    captureBuffer: 1,
    // room for the backlog phase: rows a host keeps while control is not reading (the hosts that
    // also serve HTTP complete ~300 requests/s); fewer, and the oldest are pruned before control
    // reconnects, exactly as llama-swap would
    metricsMaxInMemory: 20_000,
    models: { bench: { name: 'Bench 1B', loadMs: 20, genTps: 200_000, promptTps: 2_000_000, concurrencyLimit: 256 } },
  },
};
const fleet = await startSimFleet({ hosts: Array.from({ length: job.hosts }, (_, i) => ({ ...spec, name: `b${i}` })), seed: 11 });
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
let running = false;
const stats = { completed: 0, failed: 0, synthetic: 0, status: {} as Record<string, number> };
/** eventTimes[host][k] = time the k-th sampled id's event arrived (id = k·sampleEvery). */
const eventTimes: number[][] = fleet.hosts.map(() => []);

function listen(i: number, url: string): void {
  let buf = '';
  const req = request(`${url}/api/events`, { agent: new Agent({ keepAlive: false }) }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      const t = now();
      buf += d;
      let cut = buf.lastIndexOf('\n\n');
      if (cut < 0) return;
      const frames = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const re = /"type":"activity","data":"\{\\"id\\":(\d+)\}"/g;
      for (let m = re.exec(frames); m; m = re.exec(frames)) {
        const id = Number(m[1]);
        if (id % job.sampleEvery === 0) eventTimes[i]![id / job.sampleEvery] = t;
      }
      cut = 0;
    });
  });
  req.end();
}

function worker(url: string): void {
  if (!running) return;
  const body = '{"model":"bench","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}';
  const req = request(`${url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
    res.resume();
    res.on('end', () => {
      const k = String(res.statusCode);
      stats.status[k] = (stats.status[k] ?? 0) + 1;
      if (res.statusCode === 200) stats.completed++;
      else stats.failed++;
      setImmediate(() => worker(url));
    });
  });
  req.on('error', () => {
    stats.failed++;
    setTimeout(() => worker(url), 50);
  });
  req.end(body);
}

// Synthetic completions: a 10 ms tick tops the HTTP completions up to `rate` per second, spread
// round-robin over the hosts.
let synthTimer: NodeJS.Timeout | null = null;
function startSynthetic(): void {
  if (job.rate <= 0 || synthTimer) return;
  let owed = 0;
  let next = 0;
  let last = now();
  let httpSeen = stats.completed + stats.failed;
  synthTimer = setInterval(() => {
    const t = now();
    const http = stats.completed + stats.failed;
    // HTTP completions count towards the rate; a burst of them is not paid back beyond one second
    owed = Math.max(-job.rate, owed + ((t - last) / 1000) * job.rate - (http - httpSeen));
    httpSeen = http;
    last = t;
    for (; owed >= 1; owed--) {
      const h = fleet.hosts[next++ % fleet.hosts.length]!;
      if (h.synthesize({ model: 'bench' }) !== null) stats.synthetic++;
    }
  }, 10);
}
function stopSynthetic(): void {
  if (synthTimer) clearInterval(synthTimer);
  synthTimer = null;
}

// this process's memory under sustained load (NOTES-from-fleet.md saw it grow)
const rss: number[] = [];
let rssTimer: NodeJS.Timeout | null = null;

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'start') {
    running = true;
    rssTimer ??= setInterval(() => rss.push(process.memoryUsage().rss), 5000);
    for (let c = 0; c < job.concurrency; c++) worker(fleet.hosts[c % fleet.hosts.length]!.url);
    startSynthetic();
  } else if (msg.cmd === 'pause') {
    running = false;
    stopSynthetic();
  } else if (msg.cmd === 'stats') {
    process.send?.({ type: 'stats', ...stats, status: { ...stats.status } });
  } else if (msg.cmd === 'stop') {
    running = false;
    stopSynthetic();
    if (rssTimer) clearInterval(rssTimer);
    process.send?.({ type: 'final', ...stats, eventTimes, rss }, () => {
      void fleet.close().then(() => process.exit(0));
    });
  }
});

// synthetic completions need a ready model: one real request per host loads it
await Promise.all(fleet.hosts.map((h) => fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"bench","max_tokens":1,"messages":[{"role":"user","content":"warm"}]}' }).then((r) => r.text())));
for (const [i, h] of fleet.hosts.entries()) listen(i, h.url);
process.send?.({ type: 'ready', urls: fleet.hosts.map((h) => h.url) });
