// Request/response captures (protocol reference §6): in memory, FIFO-evicted by total size.
// llama-swap budgets the CBOR+zstd size; the simulator budgets the JSON size of the capture.

export interface Capture {
  id: number;
  req_path: string;
  req_headers: Record<string, string> | null;
  req_body: string | null;
  resp_headers: Record<string, string> | null;
  resp_body: string | null;
}

export class CaptureStore {
  private entries = new Map<number, { json: string; size: number }>();
  private total = 0;

  constructor(private budget: number) {}

  setBudget(bytes: number): void {
    this.budget = bytes;
    this.evict();
  }

  get enabled(): boolean {
    return this.budget > 0;
  }

  add(c: Capture): void {
    if (this.budget <= 0) return;
    const json = JSON.stringify(c);
    const size = json.length;
    if (size > this.budget) return; // a single capture larger than the buffer is skipped
    this.entries.set(c.id, { json, size });
    this.total += size;
    this.evict();
  }

  get(id: number): string | undefined {
    return this.entries.get(id)?.json;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  reset(): void {
    this.entries.clear();
    this.total = 0;
  }

  private evict(): void {
    for (const [id, e] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(id);
      this.total -= e.size;
    }
  }
}

const SENSITIVE = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** Go's canonical MIME header key: "x-api-key" → "X-Api-Key". */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/**
 * First value per header, canonical names, sensitive values redacted. Keys come out sorted, as Go's
 * encoding/json writes a map[string]string.
 */
export function redactHeaders(h: Record<string, string | string[] | number | undefined>, drop: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h).sort(([a], [b]) => (canonicalHeader(a) < canonicalHeader(b) ? -1 : 1))) {
    if (v === undefined) continue;
    const lk = k.toLowerCase();
    if (drop.includes(lk)) continue;
    const first = Array.isArray(v) ? (v[0] ?? '') : String(v);
    out[canonicalHeader(k)] = SENSITIVE.has(lk) ? '[REDACTED]' : first;
  }
  return out;
}

/** Which parts of an exchange are captured for a path (§6 field masks). */
export function captureMask(path: string): { reqBody: boolean; respBody: boolean } {
  switch (path) {
    case '/v1/audio/speech':
    case '/v1/images/generations':
    case '/sdapi/v1/txt2img':
      return { reqBody: true, respBody: false };
    case '/v1/audio/voices':
    case '/v1/audio/transcriptions':
      return { reqBody: false, respBody: true };
    case '/v1/images/edits':
    case '/sdapi/v1/img2img':
      return { reqBody: false, respBody: false };
    default:
      return { reqBody: true, respBody: true };
  }
}
