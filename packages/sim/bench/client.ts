// Bench client, in its own process so that parsing does not steal the simulator's event loop.
// Keeps `streams` chat streams open against the simulator, replacing each one as it finishes,
// and records per-token arrival times to measure pacing at the client.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

interface Job {
  url: string;
  model: string;
  streams: number;
  maxTokens: number;
  genTps: number;
  durationMs: number;
  warmupMs: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const interval = 1000 / job.genTps;
const errors: number[] = [];
let tokens = 0;
let completed = 0;
let failed = 0;
let open = 0;
let peakOpen = 0;
let stopping = false;
const t0 = performance.now();
const measuring = (): boolean => performance.now() - t0 >= job.warmupMs;

function one(seq: number): void {
  if (stopping) return;
  open++;
  peakOpen = Math.max(peakOpen, open);
  const body = JSON.stringify({ model: job.model, messages: [{ role: 'user', content: `bench stream ${seq} please` }], max_tokens: job.maxTokens, stream: true });
  const req = request(`${job.url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
    res.setEncoding('utf8');
    // offset of token k from its grid slot (arrival − k·interval), for tokens in the window
    const offsets: number[] = [];
    let k = 0;
    res.on('data', (d: string) => {
      const now = performance.now();
      let i = d.indexOf('"delta":{"content"');
      while (i >= 0) {
        if (measuring()) {
          offsets.push(now - k * interval);
          tokens++;
        }
        k++;
        i = d.indexOf('"delta":{"content"', i + 1);
      }
    });
    res.on('end', () => {
      open--;
      completed++;
      // the grid is anchored at the stream's median offset: the client cannot see when the
      // simulator started the stream, and anchoring at the first token would charge that one
      // token's delay to every other
      if (offsets.length > 1) {
        const anchor = [...offsets].sort((a, b) => a - b)[offsets.length >> 1]!;
        for (const o of offsets) errors.push(Math.abs(o - anchor));
      }
      one(seq + job.streams);
    });
  });
  req.on('error', () => {
    open--;
    failed++;
    one(seq + job.streams);
  });
  req.end(body);
}

// Streams arrive spread over the first second (as a fleet's clients do), not all in the same
// millisecond; a finished stream is replaced at once, so they stay spread. SIM_BENCH_ALIGNED=1
// starts them together: every stream then wants its token in the same millisecond.
const spreadMs = process.env.SIM_BENCH_ALIGNED === '1' ? 0 : 1000;
for (let i = 0; i < job.streams; i++) setTimeout(() => one(i), (i * spreadMs) / job.streams);
setTimeout(() => {
  stopping = true;
  const window = (performance.now() - t0 - job.warmupMs) / 1000;
  errors.sort((a, b) => a - b);
  const pct = (p: number): number => errors[Math.min(errors.length - 1, Math.floor((p / 100) * errors.length))] ?? 0;
  process.send?.({ tokens, window, completed, failed, peakOpen, p50: pct(50), p99: pct(99), max: errors.at(-1) ?? 0, samples: errors.length }, () => {
    agent.destroy();
    process.exit(0);
  });
}, job.durationMs);
