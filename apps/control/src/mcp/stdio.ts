import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { VERSION } from '../version';
import type { ControlClient } from '../cli/http';
import { buildMcpServer } from './server';

/** `pnpm boo mcp`: the MCP server on stdin/stdout, calling control's REST with the CLI's URL and token. Resolves when stdin closes. */
export async function serveMcpStdio(client: ControlClient): Promise<void> {
  const server = buildMcpServer((method, path, body, headers) => client.call(method, path, body, headers), VERSION);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}
