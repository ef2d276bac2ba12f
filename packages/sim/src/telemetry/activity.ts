// The activity store (HEAD: SQLite-backed, in-memory here) and the metering that derives a row from
// a finished response, following llama-swap's metrics middleware (protocol reference §5.2).
import { rfc3339, rfc3339Nano, parseRfc3339 } from '../time';
export { meter } from './meter';

export interface TokenStats {
  cache_tokens: number;
  draft_tokens: number;
  draft_acc_tokens: number;
  input_tokens: number;
  output_tokens: number;
  prompt_per_second: number;
  tokens_per_second: number;
}

export interface ActivityRow {
  id: number;
  ts: number;
  model: string;
  req_path: string;
  resp_content_type: string;
  resp_status_code: number;
  tokens: TokenStats;
  duration_ms: number;
  error_msg?: string;
  metadata?: Record<string, string>;
}

export interface ActivityQueryResult {
  status: number;
  body: unknown;
}

const SORTS: Record<string, (r: ActivityRow) => number | string> = {
  id: (r) => r.id,
  time: (r) => r.ts,
  model: (r) => r.model,
  req_path: (r) => r.req_path,
  resp_status_code: (r) => r.resp_status_code,
  resp_content_type: (r) => r.resp_content_type,
  cached: (r) => r.tokens.cache_tokens,
  prompt: (r) => r.tokens.input_tokens,
  generated: (r) => r.tokens.output_tokens,
  drafted: (r) => r.tokens.draft_tokens,
  prompt_speed: (r) => r.tokens.prompt_per_second,
  gen_speed: (r) => r.tokens.tokens_per_second,
  duration: (r) => r.duration_ms,
};

export class ActivityStore {
  private rows: ActivityRow[] = [];
  private nextId: number;

  constructor(
    private readonly firstId: number,
    private maxInMemory: number,
  ) {
    this.nextId = firstId;
  }

  setMax(n: number): void {
    this.maxInMemory = n;
  }

  add(row: Omit<ActivityRow, 'id'>): ActivityRow {
    // id first: on V8 11 (Node 20) `{ ...row, id }` gives every row its own hidden class, about
    // 290 bytes each, which was half of a full store's memory
    const r: ActivityRow = { id: this.nextId++, ...row };
    this.rows.push(r);
    const cutoff = r.id - this.maxInMemory;
    let drop = 0;
    while (drop < this.rows.length && (this.rows[drop]?.id ?? Infinity) <= cutoff) drop++;
    if (drop > 0) this.rows.splice(0, drop);
    return r;
  }

  reset(): void {
    this.rows = [];
    this.nextId = this.firstId;
  }

  all(): readonly ActivityRow[] {
    return this.rows;
  }

  static toHead(r: ActivityRow, hasCapture: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: r.id,
      timestamp: rfc3339(r.ts),
      model: r.model,
      req_path: r.req_path,
      resp_content_type: r.resp_content_type,
      resp_status_code: r.resp_status_code,
      tokens: { ...r.tokens },
      duration_ms: r.duration_ms,
      has_capture: hasCapture,
    };
    if (r.error_msg !== undefined) out.error_msg = r.error_msg;
    if (r.metadata && Object.keys(r.metadata).length > 0) out.metadata = { ...r.metadata };
    return out;
  }

  /** v209–v235 in-memory record: same nesting, full-precision timestamp. */
  static toLegacy(r: ActivityRow, hasCapture: boolean): Record<string, unknown> {
    return { ...ActivityStore.toHead(r, hasCapture), timestamp: rfc3339Nano(r.ts) };
  }

  query(q: URLSearchParams, hasCapture: (id: number) => boolean): ActivityQueryResult {
    const bad = (msg: string): ActivityQueryResult => ({ status: 400, body: msg });
    const intParam = (name: string, min: number, max: number, def: number): number | string => {
      const v = q.get(name);
      if (v === null || v === '') return def;
      if (!/^-?\d+$/.test(v)) return `invalid ${name}`;
      const n = Number(v);
      if (n < min || n > max) return `invalid ${name}`;
      return n;
    };
    const limit = intParam('limit', 1, 999, 25);
    if (typeof limit === 'string') return bad(limit);
    const page = intParam('page', 1, Number.MAX_SAFE_INTEGER, 1);
    if (typeof page === 'string') return bad(page);
    const minId = intParam('min_id', 1, Number.MAX_SAFE_INTEGER, 0);
    if (typeof minId === 'string') return bad(minId);
    const maxId = intParam('max_id', 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (typeof maxId === 'string') return bad(maxId);
    if (minId > maxId) return bad('min_id must not exceed max_id');
    let start = -Infinity;
    let end = Infinity;
    const s = q.get('start');
    const e = q.get('end');
    if (s) {
      start = parseRfc3339(s);
      if (Number.isNaN(start)) return bad('invalid start');
    }
    if (e) {
      end = parseRfc3339(e);
      if (Number.isNaN(end)) return bad('invalid end');
    }
    if (start > end) return bad('start must not be after end');
    const sort = q.get('sort') ?? 'id';
    const key = SORTS[sort];
    if (!key) return bad('invalid sort');
    const order = q.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') return bad('invalid order');
    const models = q.getAll('model').filter((m) => m !== '');

    // Rows are kept in id order, so the id range is a slice found by binary search: a
    // connector's `min_id` page costs O(log n + page), not a scan of the whole store.
    const from = this.firstIndexAtLeast(minId);
    const to = this.firstIndexAtLeast(maxId === Number.MAX_SAFE_INTEGER ? maxId : maxId + 1);
    // the store keeps second precision, so time filters compare whole seconds
    const rows = this.rows.slice(from, to).filter((r) => {
      const sec = Math.floor(r.ts / 1000) * 1000;
      return sec >= start && sec <= end && (models.length === 0 || models.includes(r.model));
    });
    const dir = order === 'asc' ? 1 : -1;
    if (sort === 'id') {
      if (dir < 0) rows.reverse();
    } else {
      rows.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        if (ka < kb) return -dir;
        if (ka > kb) return dir;
        return (a.id - b.id) * dir;
      });
    }
    const total = rows.length;
    const data = rows.slice((page - 1) * limit, page * limit).map((r) => ActivityStore.toHead(r, hasCapture(r.id)));
    return { status: 200, body: { data, page, limit, total, total_pages: Math.ceil(total / limit) } };
  }

  private firstIndexAtLeast(id: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rows[mid]?.id ?? Infinity) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  stats(model: string | null): unknown {
    const rows = model ? this.rows.filter((r) => r.model === model) : this.rows;
    let input = 0;
    let output = 0;
    let cache = 0;
    const prompt: number[] = [];
    const gen: number[] = [];
    for (const r of rows) {
      input += r.tokens.input_tokens;
      output += r.tokens.output_tokens;
      if (r.tokens.cache_tokens > 0) cache += r.tokens.cache_tokens;
      if (r.tokens.prompt_per_second > 0) prompt.push(r.tokens.prompt_per_second);
      if (r.tokens.tokens_per_second > 0) gen.push(r.tokens.tokens_per_second);
    }
    return {
      total_requests: rows.length,
      total_input_tokens: input,
      total_output_tokens: output,
      total_cache_tokens: cache,
      prompt_histogram: histogram(prompt),
      gen_histogram: histogram(gen),
    };
  }
}

const BINS = 20;

function histogram(values: number[]): unknown {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  const binSize = (max - min) / BINS || 1;
  const bins = new Array<number>(BINS).fill(0);
  for (const v of sorted) {
    const i = Math.min(BINS - 1, Math.floor((v - min) / binSize));
    bins[i] = (bins[i] ?? 0) + 1;
  }
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return { bins, min: r1(min), max: r1(max), binSize: r1(binSize), p50: r1(pct(50)), p95: r1(pct(95)), p99: r1(pct(99)) };
}
