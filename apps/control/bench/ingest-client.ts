// Bench child 2: a WebSocket client standing in for the browser. It subscribes to the
// `activity` topic and timestamps each row's arrival: the "browser frame" of the latency figure.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Job {
  url: string;
  sampleEvery: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const now = () => performance.timeOrigin + performance.now();
const recvTimes = new Map<string, number[]>();
let rows = 0;
let frames = 0;
let snapshots = 0;

const ws = new WebSocket(job.url);
ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1 })));
ws.on('message', (raw: Buffer) => {
  const t = now();
  const f = JSON.parse(raw.toString()) as { type: string; topic?: string; data?: { rows?: Array<{ hostId: string; upstreamId: number }> } };
  if (f.type === 'welcome') ws.send(JSON.stringify({ type: 'subscribe', topics: ['activity'] }));
  if (f.topic !== 'activity') return;
  if (f.type === 'snapshot') snapshots++;
  if (f.type !== 'event') return;
  frames++;
  for (const r of f.data?.rows ?? []) {
    rows++;
    if (r.upstreamId % job.sampleEvery !== 0) continue;
    let arr = recvTimes.get(r.hostId);
    if (!arr) recvTimes.set(r.hostId, (arr = []));
    arr[r.upstreamId / job.sampleEvery] = t;
  }
});

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'stop') {
    ws.close();
    process.send?.({ type: 'final', rows, frames, snapshots, recvTimes: Object.fromEntries(recvTimes) }, () => process.exit(0));
  }
});
