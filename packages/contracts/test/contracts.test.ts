import { describe, expect, it } from 'vitest';
import {
  ClientFrameSchema,
  FleetModelSchema,
  fleetModelRow,
  ErrorBodySchema,
  ERROR_STATUS,
  JobFrameSchema,
  LlamaProviderSchema,
  LlamaProvidersSchema,
  ServerFrameSchema,
  TopicSchema,
  parseTopicData,
  statusForCode,
} from '../src/index';

describe('provider registry', () => {
  it('round-trips a provider and normalizes the base URL', () => {
    const p = LlamaProviderSchema.parse({ id: 'desk-5090', label: 'Desk', baseUrl: 'http://10.0.0.5:8401/', kind: 'llama-swap' });
    expect(p.baseUrl).toBe('http://10.0.0.5:8401');
    expect(LlamaProviderSchema.parse(p)).toEqual(p);
  });
  it.each([
    [{ id: 'Bad Id', label: 'x', baseUrl: 'http://a', kind: 'llama-swap' }, 'id'],
    [{ id: 'a', label: 'x', baseUrl: 'ftp://a', kind: 'llama-swap' }, 'baseUrl'],
    [{ id: 'a', label: 'x', baseUrl: 'http://a', kind: 'ollama' }, 'kind'],
    [{ id: 'a', label: '', baseUrl: 'http://a', kind: 'openai' }, 'label'],
  ])('rejects %j at %s', (input, field) => {
    const r = LlamaProviderSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path[0]).toBe(field);
  });
  it('rejects duplicate ids in the registry', () => {
    const p = { id: 'a', label: 'A', baseUrl: 'http://a', kind: 'openai' };
    expect(LlamaProvidersSchema.safeParse([p, p]).success).toBe(false);
  });
});

describe('WS protocol', () => {
  it('round-trips every client frame', () => {
    for (const f of [
      { type: 'hello', protocol: 1 },
      { type: 'subscribe', topics: ['fleet', 'host:desk', 'logs:desk:upstream', 'jobs', 'activity'] },
      { type: 'unsubscribe', topics: ['fleet'] },
      { type: 'ping', t: 1 },
    ]) expect(ClientFrameSchema.parse(f)).toEqual(f);
  });
  it('rejects unknown frames, topics and extra-long lists', () => {
    expect(ClientFrameSchema.safeParse({ type: 'shout' }).success).toBe(false);
    expect(TopicSchema.safeParse('host:../etc').success).toBe(false);
    expect(TopicSchema.safeParse('fleet; drop').success).toBe(false);
    expect(ClientFrameSchema.safeParse({ type: 'subscribe', topics: Array(65).fill('fleet') }).success).toBe(false);
    expect(ClientFrameSchema.safeParse({ type: 'subscribe', topics: [] }).success).toBe(false);
  });
  it('round-trips server frames and checks topic payloads', () => {
    const snap = { type: 'snapshot', topic: 'fleet', seq: 0, data: { hosts: [] } };
    expect(ServerFrameSchema.parse(snap)).toEqual(snap);
    expect(() => parseTopicData('fleet', 'snapshot', { hosts: [{ id: 1 }] })).toThrow();
    expect(() => parseTopicData('jobs', 'event', { kind: 'job', job: { jobId: 'j' } })).toThrow();
    expect(ServerFrameSchema.safeParse({ type: 'event', topic: 'fleet', seq: 0, data: {} }).success).toBe(false);
  });
});

describe('errors and jobs', () => {
  it('maps every code to an HTTP status and validates bodies', () => {
    for (const code of Object.keys(ERROR_STATUS) as Array<keyof typeof ERROR_STATUS>) {
      expect(statusForCode(code)).toBeGreaterThanOrEqual(400);
    }
    expect(ErrorBodySchema.safeParse({ error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
    expect(ErrorBodySchema.parse({ error: { code: 'BUSY', message: 'queue full' } }).error.code).toBe('BUSY');
  });
  it('accepts job frames with open-ended job types and refuses bad statuses', () => {
    const f = { jobId: 'j', hostId: null, jobType: 'bench-run', status: 'running', detail: { stage: 'loading' }, at: new Date().toISOString() };
    expect(JobFrameSchema.parse(f)).toEqual(f);
    expect(JobFrameSchema.safeParse({ ...f, status: 'completed' }).success).toBe(false);
    expect(JobFrameSchema.safeParse({ ...f, jobType: 'Bad Type' }).success).toBe(false);
  });
});

describe('fleet model rows', () => {
  const host = { id: 'desk', label: 'Desk', status: 'online' as const };
  const live = { id: 'qwen', name: '', description: '', state: 'ready' as const, unlisted: false, aliases: ['q'], contextLength: 8192, since: '2026-11-21T06:00:00.000Z' };

  it('joins live state with usage into a valid row', () => {
    const usage = { lastUsedAt: '2026-11-21T05:59:00.000Z', requests: 12, errors: 1, medianPromptTps: 900, medianGenTps: 41.5, medianLoadMs: 3200 };
    const row = FleetModelSchema.parse(fleetModelRow(host, live, usage));
    expect(row).toMatchObject({ key: 'desk/qwen', hostLabel: 'Desk', hostStatus: 'online', name: 'qwen', state: 'ready', ...usage });
  });

  it('reads as unused when there is no usage yet', () => {
    const row = FleetModelSchema.parse(fleetModelRow(host, { ...live, name: 'Qwen 3' }, undefined));
    expect(row).toMatchObject({ name: 'Qwen 3', lastUsedAt: null, requests: 0, errors: 0, medianGenTps: null, medianLoadMs: null });
  });
});
