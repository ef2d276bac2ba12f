import { REPORT_MAX_DAYS } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';

const HOUR = 3_600_000;

export interface ReportRange {
  from: Date;
  to: Date;
}

/**
 * A report's range on whole hours: `to` (default now) rounded up, `from` (or to − range, default
 * 24 h) rounded down. Reversed, empty or overlong ranges are BAD_RANGE.
 */
export function resolveRange(q: { range?: string | undefined; from?: string | undefined; to?: string | undefined }, now = new Date()): ReportRange {
  const toMs = Math.ceil((q.to ? Date.parse(q.to) : now.getTime()) / HOUR) * HOUR;
  let fromMs: number;
  if (q.from) fromMs = Date.parse(q.from);
  else {
    const m = /^(\d+)([hd])$/.exec(q.range ?? '24h');
    if (!m) throw new AppError('BAD_RANGE', `range "${q.range}" is not like 24h or 7d`);
    fromMs = toMs - Number(m[1]) * (m[2] === 'd' ? 24 * HOUR : HOUR);
  }
  fromMs = Math.floor(fromMs / HOUR) * HOUR;
  if (!(fromMs < toMs)) throw new AppError('BAD_RANGE', 'the range is empty: from must be before to', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  if (toMs - fromMs > REPORT_MAX_DAYS * 24 * HOUR) {
    throw new AppError('BAD_RANGE', `a report covers at most ${REPORT_MAX_DAYS} days`, { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  }
  return { from: new Date(fromMs), to: new Date(toMs) };
}

/**
 * Splits a range into the whole UTC days inside it (read from day rollups) and the hours at
 * either end (read from hour rollups).
 */
export function splitRange(r: ReportRange): { days: ReportRange | null; hours: ReportRange[] } {
  const DAY = 24 * HOUR;
  const d0 = Math.ceil(r.from.getTime() / DAY) * DAY;
  const d1 = Math.floor(r.to.getTime() / DAY) * DAY;
  if (d0 >= d1) return { days: null, hours: [r] };
  const hours: ReportRange[] = [];
  if (r.from.getTime() < d0) hours.push({ from: r.from, to: new Date(d0) });
  if (d1 < r.to.getTime()) hours.push({ from: new Date(d1), to: r.to });
  return { days: { from: new Date(d0), to: new Date(d1) }, hours };
}

export const csvList = (s: string | undefined): string[] | undefined => {
  const xs = (s ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  return xs.length > 0 ? xs : undefined;
};
