import type { EvalRun } from '@boocontrol/contracts';
import type { ScoredItem } from './graders/types';

const cell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per item, with the run's identity on every row (a spreadsheet needs no joins). */
export function evalCsv(run: EvalRun, items: readonly ScoredItem[]): string {
  const head = ['run_id', 'suite', 'suite_hash', 'host', 'model', 'build', 'item_id', 'score', 'passed', 'verdict', 'samples', 'latency_ms', 'answer'];
  const lines = [head.join(',')];
  for (const it of items) {
    const lat = it.samples.length ? it.samples.reduce((a, s) => a + s.latencyMs, 0) / it.samples.length : null;
    lines.push([run.id, run.suite, run.provenance?.suiteHash, run.hostId, run.model, run.provenance?.build, it.itemId, it.score, it.passed, it.verdict, it.samples.length, lat === null ? null : Math.round(lat), it.answer].map(cell).join(','));
  }
  return `${lines.join('\n')}\n`;
}
