/** A request as the upstream llama-server sees it (after llama-swap's path rewriting). */
export interface UpstreamRequest {
  method: string;
  /** path without the query string, e.g. "/v1/chat/completions" */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  remoteIp: string;
  /** pacer clock when the request reached llama-swap (before any queueing or loading) */
  arrivedAt?: number;
}

/** Where the upstream writes its response; the proxy layer tees it to the client and the meter. */
export interface UpstreamWriter {
  /**
   * How far ahead of its due time (pacer clock) a paced chunk may be handed over; 0 when chunks
   * must be written at their due time.
   */
  readonly leadMs: number;
  writeHead(status: number, headers: Record<string, string>): void;
  /** `due`: when the chunk is to reach the wire (pacer clock); omitted: now */
  write(chunk: string, due?: number): void;
  end(chunk?: string, due?: number): void;
}

/** A running upstream exchange; cut() stops it without writing anything more. */
export interface UpstreamExchange {
  cut(): void;
}
