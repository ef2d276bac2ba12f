// `pnpm bench sim-memory`: does the simulator's memory stop growing once its configured stores are
// full? The ingest bench saw the simulator's RSS climb 0.4 → 0.95 GB in 5 minutes while the stores
// were still filling, which cannot tell a bounded store from a leak. This fills the same fleet
// (20 hosts × 20,000 activity rows, SimHost.synthesize, one /api/events listener per host as the
// ingest bench has) and keeps going past full; memory is read after a full GC, so the figures are
// what is retained, not what the collector has yet to reclaim. A heap snapshot at the end shows
// what that retained memory is.
//
// Flags: --rate 2000 (rows/s over the fleet), --after-full-seconds 120, --hosts 20, --rows 20000,
// --quick (2,000 rows per host, 30 s after full), --no-events (no /api/events listeners).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { startSimFleet, type SimHostOptions } from '../src/index';

// Comparable figures need a full collection before each reading, i.e. --expose-gc: re-run this
// script with it, so that neither `pnpm bench` nor a direct `node --import tsx` has to pass it.
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc && !process.env.SIM_MEMORY_CHILD) {
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SIM_MEMORY_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}
if (!gc) console.log('[sim memory] no --expose-gc: readings include garbage not yet collected');

const argv = process.argv.slice(2);
const num = (name: string, def: number): number => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const v = i < 0 ? NaN : Number(argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]);
  return Number.isFinite(v) && v > 0 ? v : def;
};
const quick = argv.includes('--quick');
const HOSTS = num('hosts', 20);
const ROWS = num('rows', quick ? 2_000 : 20_000);
const RATE = num('rate', 2000);
const AFTER_S = num('after-full-seconds', quick ? 30 : 120);
const SAMPLE_MS = 5000;
const PLATEAU_PCT = 5;
const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

// the ingest bench's host (apps/control/bench/ingest-sims.ts), with the row budget as a flag
const spec: SimHostOptions = {
  perfEveryMs: 5000,
  config: {
    captureBuffer: 1,
    metricsMaxInMemory: ROWS,
    models: { bench: { name: 'Bench 1B', loadMs: 20, genTps: 200_000, promptTps: 2_000_000, concurrencyLimit: 256 } },
  },
};
const fleet = await startSimFleet({ hosts: Array.from({ length: HOSTS }, (_, i) => ({ ...spec, name: `m${i}` })), seed: 11 });
// synthesize() needs a ready model: one real request per host loads it
const warm = '{"model":"bench","max_tokens":1,"messages":[{"role":"user","content":"warm"}]}';
await Promise.all(fleet.hosts.map((h) => fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: warm }).then((r) => r.text())));
const listeners: ClientRequest[] = argv.includes('--no-events')
  ? []
  : fleet.hosts.map((h) => request(`${h.url}/api/events`, (res) => res.resume()).on('error', () => undefined).end());
console.log(`[sim memory] ${HOSTS} hosts × ${ROWS.toLocaleString('en')} rows, ${RATE} rows/s, ${AFTER_S} s after full, ${listeners.length} event listeners`);

type Sample = { t: number; rows: number } & Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'>;
const lastId = new Array<number>(HOSTS).fill(0);
const t0 = Date.now();
const take = (): Sample => {
  gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  // ids start at 1 and never restart here, so a host's row count is its last id, capped by the budget
  const rows = lastId.reduce((a, id) => a + Math.min(id, ROWS), 0);
  return { t: (Date.now() - t0) / 1000, rows, rss, heapTotal, heapUsed, external, arrayBuffers };
};
const show = (s: Sample): string =>
  `rows ${s.rows.toLocaleString('en')}  heapUsed ${mb(s.heapUsed)}  heapTotal ${mb(s.heapTotal)}  rss ${mb(s.rss)}  external ${mb(s.external)}  arrayBuffers ${mb(s.arrayBuffers)}`;

const samples: Sample[] = [take()];
console.log(`  t+0 s      ${show(samples[0]!)}`);
let full: Sample | null = null;
let synthesized = 0;
await new Promise<void>((resolve) => {
  let owed = 0;
  let next = 0;
  let last = Date.now();
  const sampler = setInterval(() => {
    const s = take();
    samples.push(s);
    if (samples.length % 4 === 1) console.log(`  t+${Math.round(s.t)} s`.padEnd(13) + show(s));
  }, SAMPLE_MS);
  // a 10 ms tick tops the fleet up to RATE rows/s, round-robin; a stall is not paid back beyond 1 s
  const driver = setInterval(() => {
    const t = Date.now();
    owed = Math.min(RATE, owed + ((t - last) / 1000) * RATE);
    last = t;
    for (; owed >= 1; owed--) {
      const i = next++ % HOSTS;
      const id = fleet.hosts[i]!.synthesize({ model: 'bench' });
      if (id === null) continue;
      lastId[i] = id;
      synthesized++;
    }
    if (full || lastId.some((id) => id < ROWS)) return;
    full = take();
    samples.push(full);
    console.log(`[sim memory] stores full at t+${full.t.toFixed(0)} s (${(synthesized / full.t).toFixed(0)} rows/s achieved): heapUsed ${mb(full.heapUsed)}, rss ${mb(full.rss)}`);
    setTimeout(() => {
      clearInterval(driver);
      clearInterval(sampler);
      samples.push(take());
      resolve();
    }, AFTER_S * 1000);
  }, 10);
});

const f = full as Sample | null;
if (!f) throw new Error('unreachable: the run ends only after the stores filled');
const after = samples.filter((s) => s.t >= f.t);
const q = Math.max(1, Math.floor(after.length / 4));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quarters = (k: keyof Sample): [number, number] => [median(after.slice(0, q).map((s) => s[k])), median(after.slice(-q).map((s) => s[k]))];
const growth = (k: keyof Sample): number => {
  const [a, b] = quarters(k);
  return ((b - a) / a) * 100;
};
// least-squares slope, MB/min: a steady climb shows here even when the quarters' noise hides it
const trend = (k: keyof Sample): number => {
  const tm = after.reduce((a, s) => a + s.t, 0) / after.length;
  const vm = after.reduce((a, s) => a + s[k], 0) / after.length;
  const num = after.reduce((a, s) => a + (s.t - tm) * (s[k] - vm), 0);
  return (num / after.reduce((a, s) => a + (s.t - tm) ** 2, 0)) * (60 / 1048576);
};
console.log(`[sim memory] after the stores filled: ${after.length} samples over ${(after.at(-1)!.t - f.t).toFixed(0)} s, ${synthesized.toLocaleString('en')} rows synthesized in all; first vs last quarter medians:`);
for (const k of ['heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers'] as const) {
  const [a, b] = quarters(k);
  console.log(`  ${k.padEnd(13)} ${mb(a).padStart(10)} → ${mb(b).padStart(10)}  ${pct(growth(k)).padStart(8)}   trend ${trend(k).toFixed(2)} MB/min`);
}
const beforeFull = samples[0]!;
console.log(`  (while filling: heapUsed ${mb(beforeFull.heapUsed)} → ${mb(f.heapUsed)}, rss ${mb(beforeFull.rss)} → ${mb(f.rss)})`);
const g = growth('heapUsed');
console.log(`[sim memory] plateau: ${g <= PLATEAU_PCT ? 'YES' : 'NO'} (heapUsed ${pct(g)} after the stores filled)`);

// what the stores hold, as a client sees them
const totals = await Promise.all(
  fleet.hosts.map(async (h) => ((await (await fetch(`${h.url}/api/metrics/activity?limit=1`)).json()) as { total: number }).total),
);
console.log(`[sim memory] activity rows held: ${totals.reduce((a, b) => a + b, 0).toLocaleString('en')} (per host ${Math.min(...totals)}–${Math.max(...totals)}, budget ${ROWS})`);

const file = writeHeapSnapshot(join(tmpdir(), `sim-memory-${process.pid}.heapsnapshot`));
const top = topConstructors(file);
rmSync(file);
console.log(`[sim memory] heap snapshot: ${top.nodes.toLocaleString('en')} nodes, ${mb(top.total)} self size; top 10 by self size:`);
for (const [name, count, size] of top.rows.slice(0, 10)) console.log(`  ${mb(size).padStart(10)}  ${count.toLocaleString('en').padStart(10)}  ${name.slice(0, 60)}`);

for (const l of listeners) l.destroy();
await fleet.close();
process.exit(0);

/**
 * Self size per constructor (objects by constructor name, everything else by node type, as the
 * DevTools summary groups them). Reads only the header, the node table and the string table; the
 * edges, which retained sizes would need, are skipped.
 */
function topConstructors(path: string): { rows: [string, number, number][]; total: number; nodes: number } {
  const buf = readFileSync(path);
  const nodesAt = buf.indexOf('"nodes":[');
  const head = JSON.parse(`${buf.toString('utf8', 0, nodesAt).replace(/,\s*$/, '')}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  };
  const { meta, node_count } = head.snapshot;
  const nf = meta.node_fields.length;
  const [fType, fName, fSize] = ['type', 'name', 'self_size'].map((n) => meta.node_fields.indexOf(n)) as [number, number, number];
  const nodes = new Float64Array(node_count * nf);
  let k = 0;
  let v = 0;
  let inNum = false;
  let i = nodesAt + '"nodes":['.length;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      v = v * 10 + c - 48;
      inNum = true;
      continue;
    }
    if (inNum) nodes[k++] = v;
    v = 0;
    inNum = false;
    if (c === 93) break; // ']'
  }
  // the string table comes last in the file
  const stringsAt = buf.indexOf('"strings":[', i) + '"strings":'.length;
  const strings = JSON.parse(buf.toString('utf8', stringsAt, buf.lastIndexOf(']') + 1)) as string[];
  const by = new Map<string, [number, number]>();
  let total = 0;
  for (let j = 0; j < k; j += nf) {
    const type = meta.node_types[0][nodes[j + fType]!] ?? '?';
    const name = type === 'object' || type === 'native' ? (strings[nodes[j + fName]!] ?? '?') : `(${type})`;
    const size = nodes[j + fSize]!;
    const e = by.get(name) ?? [0, 0];
    e[0]++;
    e[1] += size;
    by.set(name, e);
    total += size;
  }
  const rows = [...by].map(([n, [c, s]]): [string, number, number] => [n, c, s]).sort((a, b) => b[2] - a[2]);
  return { rows, total, nodes: k / nf };
}
