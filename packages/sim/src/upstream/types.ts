/** A request as the upstream llama-server sees it (after llama-swap's path rewriting). */
export interface UpstreamRequest {
  method: string;
  /** path without the query string, e.g. "/v1/chat/completions" */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  remoteIp: string;
}

/** Where the upstream writes its response; the proxy layer tees it to the client and the meter. */
export interface UpstreamWriter {
  writeHead(status: number, headers: Record<string, string>): void;
  write(chunk: string): void;
  end(chunk?: string): void;
}

/** A running upstream exchange; cut() stops it without writing anything more. */
export interface UpstreamExchange {
  cut(): void;
}
