import type { ActivityRowLive } from '@boocontrol/contracts';

export const RANGES = [
  { key: '15m', label: '15 min', ms: 15 * 60_000 },
  { key: '1h', label: '1 h', ms: 3600_000 },
  { key: '24h', label: '24 h', ms: 86_400_000 },
  { key: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { key: 'all', label: 'all', ms: 0 },
] as const;

export interface ViewFilters {
  host: string;
  model: string;
  status: '' | 'ok' | 'error';
  q: string;
  /** gateway consumer(s), comma-separated, and session: history only (live rows carry no attribution) */
  consumer: string;
  session: string;
  range: string;
  sort: 'ts' | 'duration' | 'ttft' | 'inputTokens' | 'outputTokens' | 'promptTps' | 'genTps';
  order: 'asc' | 'desc';
}

export function readFilters(p: URLSearchParams): ViewFilters {
  const status = p.get('status');
  const sort = p.get('sort') as ViewFilters['sort'] | null;
  return {
    host: p.get('host') ?? '',
    model: p.get('model') ?? '',
    status: status === 'ok' || status === 'error' ? status : '',
    q: p.get('q') ?? '',
    consumer: p.get('consumer') ?? '',
    session: p.get('session') ?? '',
    range: p.get('range') ?? '24h',
    sort: sort && ['ts', 'duration', 'ttft', 'inputTokens', 'outputTokens', 'promptTps', 'genTps'].includes(sort) ? sort : 'ts',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
  };
}

export function fromOf(range: string, now = Date.now()): string | undefined {
  const r = RANGES.find((x) => x.key === range);
  return r && r.ms > 0 ? new Date(now - r.ms).toISOString() : undefined;
}

/** The same filter the server applies, for rows arriving live. */
export function matches(row: ActivityRowLive, f: ViewFilters): boolean {
  // Attribution is joined after the row is stored: a live row cannot be matched to a consumer yet.
  if (f.consumer || f.session) return false;
  if (f.host && !f.host.split(',').includes(row.hostId)) return false;
  if (f.model && !f.model.split(',').includes(row.model)) return false;
  const ok = row.status >= 200 && row.status <= 299;
  if (f.status === 'ok' && !ok) return false;
  if (f.status === 'error' && ok) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (![row.model, row.path, row.error ?? '', row.hostId].some((s) => s.toLowerCase().includes(q))) return false;
  }
  return true;
}
