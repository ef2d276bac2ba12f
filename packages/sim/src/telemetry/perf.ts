// /api/performance and /metrics (protocol reference §7). Samples are synthesised from the host's
// load: VRAM follows the loaded models, utilisation/power/temperature follow active generation.
import { Rng } from '../rng';
import { parseRfc3339, rfc3339Nano } from '../time';
import type { SimGpuSpec } from '../types';

export interface SysStat {
  timestamp: string;
  cpu_util_per_core: number[];
  mem_total_mb: number;
  mem_used_mb: number;
  mem_free_mb: number;
  swap_total_mb: number;
  swap_used_mb: number;
  load_avg_1: number;
  load_avg_5: number;
  load_avg_15: number;
  net_io: { name: string; bytes_recv: number; bytes_sent: number }[];
}

export interface GpuStat {
  timestamp: string;
  id: number;
  name: string;
  uuid: string;
  temp_c: number;
  vram_temp_c: number;
  gpu_util_pct: number;
  mem_util_pct: number;
  mem_used_mb: number;
  mem_total_mb: number;
  fan_speed_pct: number;
  power_draw_w: number;
}

export interface LoadSnapshot {
  /** MB of model weights resident per GPU index */
  vramByGpu: number[];
  /** requests currently generating per GPU index */
  activeByGpu: number[];
  activeTotal: number;
  loadedModels: number;
  bytesSent: number;
  bytesRecv: number;
}

export interface PerfOptions {
  everyMs: number;
  gpus: SimGpuSpec;
  cpuCores: number;
  memTotalMb: number;
  seed: number;
  load: () => LoadSnapshot;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

export class PerfMonitor {
  private sys: { ts: number; s: SysStat }[] = [];
  private gpu: { ts: number; s: GpuStat }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private rng: Rng;
  private temps: number[];
  private loadAvg = [0.1, 0.1, 0.1];
  /** Fault: every GPU reports this temperature (a failing fan, a hot room) until cleared. */
  heat: number | null = null;
  private readonly cap: number;

  constructor(private readonly o: PerfOptions) {
    this.rng = new Rng(o.seed ^ 0x9e3779b9);
    this.temps = new Array<number>(o.gpus.count).fill(33);
    this.cap = Math.max(1, Math.ceil(3_600_000 / o.everyMs));
  }

  /**
   * llama-swap's monitor takes its first sample one interval after it starts, and until then
   * /api/performance answers `sys_stats: null` (and `gpu_stats: null`), so the first interval is
   * empty here too. (Re)starting also restarts the interval, as a restarted llama-swap would.
   */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.sample(), this.o.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  reset(): void {
    this.sys = [];
    this.gpu = [];
    this.temps.fill(33);
  }

  gpuUuid(i: number): string {
    const r = new Rng(this.o.seed * 31 + i);
    const h = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[r.int(0, 15)]).join('');
    return `GPU-${h(8)}-${h(4)}-${h(4)}-${h(4)}-${h(12)}`;
  }

  sample(): void {
    const now = Date.now();
    const ts = rfc3339Nano(now);
    const l = this.o.load();
    const r = this.rng;
    const cores: number[] = [];
    for (let i = 0; i < this.o.cpuCores; i++) cores.push(r1(Math.min(100, 1 + r.next() * 4 + l.activeTotal * (2 + r.next() * 3))));
    const memUsed = Math.min(this.o.memTotalMb, Math.round(3800 + l.loadedModels * 650 + r.next() * 200));
    const instant = l.activeTotal * 0.6 + 0.05;
    const decay = [Math.exp(-this.o.everyMs / 60_000), Math.exp(-this.o.everyMs / 300_000), Math.exp(-this.o.everyMs / 900_000)];
    this.loadAvg = this.loadAvg.map((v, i) => v * (decay[i] ?? 1) + instant * (1 - (decay[i] ?? 1)));
    const sys: SysStat = {
      timestamp: ts,
      cpu_util_per_core: cores,
      mem_total_mb: this.o.memTotalMb,
      mem_used_mb: memUsed,
      mem_free_mb: this.o.memTotalMb - memUsed,
      swap_total_mb: 8192,
      swap_used_mb: 12,
      load_avg_1: Math.round((this.loadAvg[0] ?? 0) * 100) / 100,
      load_avg_5: Math.round((this.loadAvg[1] ?? 0) * 100) / 100,
      load_avg_15: Math.round((this.loadAvg[2] ?? 0) * 100) / 100,
      net_io: [
        { name: 'eth0', bytes_recv: 1_048_576 + l.bytesRecv, bytes_sent: 524_288 + l.bytesSent },
        { name: 'lo', bytes_recv: 20_480, bytes_sent: 20_480 },
      ],
    };
    this.push(this.sys, { ts: now, s: sys });

    const g = this.o.gpus;
    const total = g.totalMb ?? 24576;
    const limitW = g.powerLimitW ?? 300;
    for (let i = 0; i < g.count; i++) {
      const active = l.activeByGpu[i] ?? 0;
      const vram = l.vramByGpu[i] ?? 0;
      const util = active > 0 ? Math.min(99, Math.round(55 + 12 * active + r.next() * 8)) : vram > 0 ? r.int(0, 2) : 0;
      const target = 30 + util * 0.45 + (vram > 0 ? 3 : 0);
      const prev = this.temps[i] ?? 33;
      const temp = this.heat ?? Math.round(prev + (target - prev) * 0.5);
      this.temps[i] = temp;
      const used = Math.min(total, Math.round((vram > 0 ? 350 : 5) + vram + (active > 0 ? 64 * active : 0)));
      this.push(this.gpu, {
        ts: now,
        s: {
          timestamp: ts,
          id: i,
          name: g.name ?? 'NVIDIA GeForce RTX 4090',
          uuid: this.gpuUuid(i),
          temp_c: temp,
          vram_temp_c: temp + 6,
          gpu_util_pct: util,
          mem_util_pct: active > 0 ? Math.round(util * 0.6) : 0,
          mem_used_mb: used,
          mem_total_mb: total,
          fan_speed_pct: Math.max(0, Math.min(100, Math.round(30 + (temp - 40) * 1.5))),
          power_draw_w: r1(limitW * (vram > 0 ? 0.1 : 0.05) + (util / 100) * limitW * 0.82),
        },
      });
    }
  }

  private push<T>(arr: { ts: number; s: T }[], e: { ts: number; s: T }): void {
    arr.push(e);
    if (arr.length > this.cap) arr.splice(0, arr.length - this.cap);
  }

  /** GET /api/performance[?after=]. */
  query(after: string | null): { status: number; body: unknown } {
    if (after !== null) {
      const t = parseRfc3339(after);
      if (Number.isNaN(t)) return { status: 400, body: `invalid after parameter: ${after}` };
      // timestamps carry millisecond precision; "strictly after" compares the same precision
      return {
        status: 200,
        body: { enabled: true, sys_stats: this.sys.filter((e) => e.ts > t).map((e) => e.s), gpu_stats: this.gpu.filter((e) => e.ts > t).map((e) => e.s) },
      };
    }
    return {
      status: 200,
      body: { enabled: true, sys_stats: this.sys.length > 0 ? this.sys.map((e) => e.s) : null, gpu_stats: this.gpu.length > 0 ? this.gpu.map((e) => e.s) : null },
    };
  }

  /** llama-swap's Prometheus text: only the latest sample of each series. */
  prometheus(): string {
    const out: string[] = [];
    const metric = (name: string, help: string, type: 'gauge' | 'counter', rows: [string, number][]): void => {
      if (rows.length === 0) return;
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) out.push(`${name}${labels} ${v}`);
    };
    const s = this.sys[this.sys.length - 1]?.s;
    if (s) {
      metric('llamaswap_cpu_util_percent', 'CPU utilization percent per core.', 'gauge', s.cpu_util_per_core.map((v, i) => [`{core="${i}"}`, v]));
      metric('llamaswap_memory_total_bytes', 'Total system memory in bytes.', 'gauge', [['', s.mem_total_mb * 1048576]]);
      metric('llamaswap_memory_used_bytes', 'Used system memory in bytes.', 'gauge', [['', s.mem_used_mb * 1048576]]);
      metric('llamaswap_memory_free_bytes', 'Free system memory in bytes.', 'gauge', [['', s.mem_free_mb * 1048576]]);
      metric('llamaswap_swap_total_bytes', 'Total swap in bytes.', 'gauge', [['', s.swap_total_mb * 1048576]]);
      metric('llamaswap_swap_used_bytes', 'Used swap in bytes.', 'gauge', [['', s.swap_used_mb * 1048576]]);
      metric('llamaswap_load_average', 'System load average.', 'gauge', [
        ['{interval="1m"}', s.load_avg_1],
        ['{interval="5m"}', s.load_avg_5],
        ['{interval="15m"}', s.load_avg_15],
      ]);
      const net: [string, number][] = [];
      for (const n of s.net_io) {
        net.push([`{interface="${n.name}",direction="recv"}`, n.bytes_recv]);
        net.push([`{interface="${n.name}",direction="sent"}`, n.bytes_sent]);
      }
      metric('llamaswap_network_bytes_total', 'Network bytes transferred.', 'counter', net);
    }
    const latest = new Map<number, GpuStat>();
    for (const e of this.gpu) latest.set(e.s.id, e.s);
    const gpus = [...latest.values()];
    const gl = (g: GpuStat): string => `{id="${g.id}",name="${g.name}",uuid="${g.uuid}"}`;
    const gm = (name: string, help: string, f: (g: GpuStat) => number): void => metric(name, help, 'gauge', gpus.map((g) => [gl(g), f(g)]));
    gm('llamaswap_gpu_temperature_celsius', 'GPU temperature in Celsius.', (g) => g.temp_c);
    gm('llamaswap_gpu_vram_temperature_celsius', 'GPU VRAM temperature in Celsius.', (g) => g.vram_temp_c);
    gm('llamaswap_gpu_util_percent', 'GPU utilization percent.', (g) => g.gpu_util_pct);
    gm('llamaswap_gpu_memory_util_percent', 'GPU memory controller utilization percent.', (g) => g.mem_util_pct);
    gm('llamaswap_gpu_memory_used_bytes', 'GPU memory used in bytes.', (g) => g.mem_used_mb * 1048576);
    gm('llamaswap_gpu_memory_total_bytes', 'GPU memory total in bytes.', (g) => g.mem_total_mb * 1048576);
    gm('llamaswap_gpu_fan_speed_percent', 'GPU fan speed percent.', (g) => g.fan_speed_pct);
    gm('llamaswap_gpu_power_draw_watts', 'GPU power draw in watts.', (g) => g.power_draw_w);
    return out.join('\n') + '\n';
  }
}
