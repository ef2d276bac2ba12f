import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ActionResultSchema, ControlStatusSchema } from '@boocontrol/contracts';
import type { SimHost } from '@boocontrol/sim';
import { backends } from './helpers/db';
import { startSim, waitFor } from './helpers/fleet';
import { startAuthedControl, type AuthedControl } from './helpers/access';
import { buildServerApp } from '../../server/src/app';

const root = join(__dirname, '../../..');
const TOOL_NAMES = ['fleet_status', 'list_models', 'switch_model', 'warm_model', 'unload_model', 'recent_activity', 'run_benchmark', 'get_benchmark', 'run_eval', 'get_scoreboard'];
type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: unknown };
const text = (r: ToolResult) => r.content.map((c) => c.text ?? '').join('\n');

describe('MCP server', () => {
  let sim: SimHost;
  let t: AuthedControl;
  let url: string;
  let act: string;
  let read: string;

  beforeAll(async () => {
    // `slowish` loads in 1.5 s, so a switch goes through several stages the client can watch.
    sim = await startSim({ config: { models: { quick: { loadMs: 50, genTps: 4000 }, slowish: { loadMs: 1500, genTps: 4000 } } } });
    t = await startAuthedControl(backends()[0]!, { LLAMA_PROVIDERS: JSON.stringify([{ id: 'h1', label: 'Host 1', baseUrl: sim.url, kind: 'llama-swap' }]) });
    url = await t.control.app.listen({ host: '127.0.0.1', port: 0 });
    act = (await t.token(['act'], { label: 'agent' })).secret;
    read = (await t.token(['read'], { label: 'watcher' })).secret;
    await waitFor('the fleet to see h1', () => (t.control.ctx.fleet.get('h1')?.models.length ?? 0) > 0);
  }, 60_000);
  afterAll(async () => {
    t?.control.app.server.closeAllConnections();
    await t?.close();
    await sim?.close();
  });

  async function stdioClient(token: string): Promise<Client> {
    const client = new Client({ name: 'boo-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', 'apps/control/src/cli/boo.ts', 'mcp', '--url', url],
      cwd: root,
      env: { ...(process.env as Record<string, string>), BOO_TOKEN: token },
      stderr: 'pipe',
    });
    await client.connect(transport);
    return client;
  }

  it('over stdio: lists the tools with JSON-schema inputs and switches a simulated model, receiving the stages as progress', async () => {
    const client = await stdioClient(act);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name).sort()).toEqual([...TOOL_NAMES].sort());
      const sw = tools.find((x) => x.name === 'switch_model')!;
      // Generated from SwitchRequestSchema: the model id pattern and the host pattern come along.
      expect(sw.inputSchema).toMatchObject({ type: 'object', required: ['model'], properties: { model: { type: 'string', pattern: expect.any(String) }, host: { type: 'string' }, exclusive: { type: 'boolean' } } });
      expect(Object.keys(sw.inputSchema.properties ?? {})).not.toContain('wait');

      const progress: string[] = [];
      const result = (await client.callTool({ name: 'switch_model', arguments: { model: 'slowish', host: 'h1' } }, undefined, {
        onprogress: (p) => progress.push(p.message ?? ''),
        resetTimeoutOnProgress: true,
        timeout: 60_000,
      })) as ToolResult;
      expect(result.isError, text(result)).toBeFalsy();
      const done = ActionResultSchema.parse(result.structuredContent);
      expect(done).toMatchObject({ host: 'h1', model: 'slowish', job: { status: 'succeeded', jobType: 'switch' } });
      expect(sim.models().find((m) => m.id === 'slowish')?.state).toBe('ready');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.some((m) => /loading|starting/.test(m))).toBe(true);
      expect(progress.at(-1)).toMatch(/ready|succeeded/);

      const status = (await client.callTool({ name: 'fleet_status', arguments: {} })) as ToolResult;
      expect(ControlStatusSchema.parse(status.structuredContent).hosts[0]?.loaded.map((m) => m.id)).toContain('slowish');
      const models = (await client.callTool({ name: 'list_models', arguments: { host: 'h1' } })) as ToolResult;
      expect(text(models)).toContain('quick');
      // Bad input is refused by the contract schema before anything is sent.
      const bad = (await client.callTool({ name: 'switch_model', arguments: { model: '../../etc' } })) as ToolResult;
      expect(bad.isError).toBe(true);
      // A route that does not exist on this build is a tool error, not a crash.
      const bench = (await client.callTool({ name: 'get_benchmark', arguments: { id: 'nope' } })) as ToolResult;
      expect(bench.isError).toBe(true);
      expect(text(bench)).toMatch(/NOT_FOUND/);
    } finally {
      await client.close();
    }
  }, 90_000);

  it('over stdio, scopes are the token’s: a read token sees the fleet but cannot switch', async () => {
    const client = await stdioClient(read);
    try {
      expect(((await client.callTool({ name: 'fleet_status', arguments: {} })) as ToolResult).isError).toBeFalsy();
      const sw = (await client.callTool({ name: 'switch_model', arguments: { model: 'quick', host: 'h1' } })) as ToolResult;
      expect(sw.isError).toBe(true);
      expect(text(sw)).toMatch(/^FORBIDDEN: .*act scope/);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('over HTTP at /api/control/mcp: the same tools, the caller’s token, 401 without one', async () => {
    const connect = async (token: string | undefined, base = url) => {
      const client = new Client({ name: 'boo-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/api/control/mcp`), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
      return client;
    };
    await expect(connect(undefined)).rejects.toThrow(/UNAUTHORIZED/);
    const client = await connect(act);
    try {
      expect((await client.listTools()).tools).toHaveLength(TOOL_NAMES.length);
      const progress: string[] = [];
      const r = (await client.callTool({ name: 'switch_model', arguments: { model: 'quick', host: 'h1', idempotencyKey: 'mcp-http-1' } }, undefined, { onprogress: (p) => progress.push(p.message ?? '') })) as ToolResult;
      expect(r.isError, text(r)).toBeFalsy();
      expect(ActionResultSchema.parse(r.structuredContent).job.status).toBe('succeeded');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      // Same key, same job: the retry of a tool call is idempotent like the REST call.
      const again = (await client.callTool({ name: 'switch_model', arguments: { model: 'quick', host: 'h1', idempotencyKey: 'mcp-http-1' } })) as ToolResult;
      expect(ActionResultSchema.parse(again.structuredContent).job.id).toBe(ActionResultSchema.parse(r.structuredContent).job.id);
    } finally {
      await client.close();
    }
    // Through the gateway's relay, as a client on another machine would reach it.
    const gw = await buildServerApp({ controlUrl: url });
    const gwUrl = await gw.listen({ host: '127.0.0.1', port: 0 });
    const readClient = await connect(read, gwUrl);
    try {
      expect(((await readClient.callTool({ name: 'fleet_status', arguments: {} })) as ToolResult).isError).toBeFalsy();
      const sw = (await readClient.callTool({ name: 'unload_model', arguments: { host: 'h1' } })) as ToolResult;
      expect(text(sw)).toMatch(/^FORBIDDEN/);
    } finally {
      await readClient.close();
      await gw.close();
    }
  }, 60_000);
});
