import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Reply } from '../cli/http';
import { TOOLS, type RestCall } from './tools';

/** A REST answer as a tool result: the body as JSON text; an error body as an error result with its code. */
export function toToolResult(r: Reply): CallToolResult {
  if (r.status >= 200 && r.status < 300) {
    const body = r.body ?? {};
    return { content: [{ type: 'text', text: JSON.stringify(body, null, 2) }], ...(typeof body === 'object' && !Array.isArray(body) ? { structuredContent: body as Record<string, unknown> } : {}) };
  }
  const e = (r.body?.error ?? {}) as { code?: string; message?: string; details?: unknown };
  const text = `${e.code ?? `HTTP ${r.status}`}: ${e.message ?? String(r.body).slice(0, 500)}`;
  return { isError: true, content: [{ type: 'text', text: e.details !== undefined ? `${text}\n${JSON.stringify(e.details)}` : text }] };
}

/**
 * The BooControl MCP server: each tool is one or a few ordinary REST calls to control, made with
 * the caller's credentials, so scopes, the host queue and Idempotency-Key work exactly as for
 * curl, the CLI and the page. Input schemas are the contracts' zod schemas (the SDK turns them
 * into JSON Schema for tools/list).
 */
export function buildMcpServer(call: RestCall, version: string): McpServer {
  const server = new McpServer({ name: 'boocontrol', title: 'BooControl', version }, { capabilities: { tools: {} } });
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: { readOnlyHint: tool.readOnly, destructiveHint: false, openWorldHint: false } },
      async (args: unknown, extra) => {
        const token = extra._meta?.progressToken;
        let n = 0;
        const progress = async (message: string) => {
          if (token === undefined) return;
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++n, message } });
        };
        try {
          return toToolResult(await tool.run(args, { call, signal: extra.signal, progress }));
        } catch (err) {
          return { isError: true, content: [{ type: 'text', text: `CONTROL_UNAVAILABLE: ${(err as Error).message}` }] };
        }
      },
    );
  }
  return server;
}
