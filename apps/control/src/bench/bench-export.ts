import type { BenchRun } from '@boocontrol/contracts';

const COLUMNS = [
  'run', 'host', 'model', 'point', 'level', 'driver', 'measured', 'succeeded', 'errors', 'shed',
  'ttft_p50_ms', 'ttft_p99_ms', 'tpot_p50_ms', 'tpot_p99_ms', 'itl_p99_ms', 'e2e_p50_ms', 'e2e_p99_ms',
  'output_tps', 'output_tps_std', 'total_tps', 'goodput_rps', 'slo_met', 'noisy', 'contaminated', 'foreign_requests',
] as const;

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One CSV row per point of each run (a comparison is several runs in one table). */
export function benchCsv(runs: readonly BenchRun[]): string {
  const lines = [COLUMNS.join(',')];
  for (const run of runs) {
    for (const p of run.points) {
      lines.push(
        [
          run.id, run.hostId, run.model, p.index, p.level, p.driver, p.requests.measured, p.requests.succeeded, p.requests.errors, p.requests.shed,
          p.ttftMs.p50, p.ttftMs.p99, p.tpotMs.p50, p.tpotMs.p99, p.itlMs.p99, p.e2eMs.p50, p.e2eMs.p99,
          p.outputTps.mean, p.outputTps.std, p.totalTps.mean, p.goodput.rps, p.slo.met, p.flags.noisy, p.flags.contaminated, p.foreignRequests,
        ].map(cell).join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
