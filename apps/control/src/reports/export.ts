import type { CompareReport, ReportFormat, ResidencyReport, UsageReport } from '@boocontrol/contracts';

export type AnyReport = UsageReport | ResidencyReport | CompareReport;
type Cell = string | number | boolean | null;
interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

const USAGE_COLUMNS = [
  'key', 'requests', 'errors', 'errorRate', 'inputTokens', 'outputTokens', 'cacheTokens', 'ttftP50Ms', 'ttftP95Ms',
  'genP50Tps', 'genP95Tps', 'busyS', 'gpuBusyS', 'swaps', 'failedStarts', 'loadS', 'energyWh', 'whPer1kTokens',
] as const;

/** The tables a report exports as: the same numbers in every format. */
export function tablesOf(r: AnyReport): Table[] {
  if (r.kind === 'usage') {
    const rows = [...r.rows, r.totals].map((x) => USAGE_COLUMNS.map((c) => x[c] as Cell));
    return [{ title: `Usage by ${r.groupBy}, ${r.from} – ${r.to}`, columns: [r.groupBy, ...USAGE_COLUMNS.slice(1)], rows }];
  }
  if (r.kind === 'residency') {
    return [
      {
        title: `Residency, ${r.from} – ${r.to}`,
        columns: ['host', 'model', 'loads', 'loadMsTotal', 'residentS'],
        rows: r.hosts.flatMap((h) => h.lanes.map((l) => [h.hostId, l.model, l.loads, l.loadMsTotal, l.residentS])),
      },
      {
        title: 'Swaps',
        columns: ['host', 'at', 'model', 'trigger', 'jobId', 'jobType', 'loadMs', 'failed'],
        rows: r.hosts.flatMap((h) => h.swaps.map((s) => [h.hostId, s.at, s.model, s.trigger, s.jobId, s.jobType, s.loadMs, s.failed])),
      },
    ];
  }
  const figs = ['ttftP50Ms', 'ttftP95Ms', 'tpotP50Ms', 'outputTps', 'errorRate'] as const;
  return [
    {
      title: 'Benchmarks: latest run against the previous one (lowest load level)',
      columns: ['host', 'model', 'latestRun', 'previousRun', ...figs.flatMap((f) => [f, `${f}Delta`])],
      rows: r.bench.map((b) => [b.hostId, b.model, b.latest.runId, b.previous?.runId ?? null, ...figs.flatMap((f) => [b.latest.figures[f], b.deltas[f] ?? null])]),
    },
  ];
}

const csvCell = (v: Cell) => {
  if (v === null) return '';
  const s = String(v);
  // Quote what would break the row, and neutralise spreadsheet formulas (=, +, -, @ at the start
  // of a text cell that is not a number).
  const risky = /^[=+\-@]/.test(s) && typeof v === 'string' && !Number.isFinite(Number(s));
  const t = risky ? `'${s}` : s;
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};
const mdCell = (v: Cell) => (v === null ? '–' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' '));

export function render(r: AnyReport, format: ReportFormat): { contentType: string; body: string; ext: string } {
  if (format === 'json') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(r), ext: 'json' };
  const tables = tablesOf(r);
  if (format === 'csv') {
    // Several tables (residency) are separated by a blank line, each with its own header.
    const body = tables.map((t) => [t.columns, ...t.rows].map((row) => row.map(csvCell).join(',')).join('\r\n')).join('\r\n\r\n');
    return { contentType: 'text/csv; charset=utf-8', body: `${body}\r\n`, ext: 'csv' };
  }
  const md = tables.map((t) => [`## ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`, ...t.rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`)].join('\n'));
  const extra = r.kind === 'usage' ? `\n\nIdle energy (hours without requests): ${r.idleEnergyWh} Wh. Generated ${r.generatedAt} from rollups.` : r.kind === 'compare' && r.note ? `\n\n${r.note}` : '';
  return { contentType: 'text/markdown; charset=utf-8', body: `# BooControl ${r.kind} report\n\n${md.join('\n\n')}${extra}\n`, ext: 'md' };
}
