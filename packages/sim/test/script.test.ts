// Scripted answers (issue 12 item 7): a model answers known prompts with known text, so eval
// suites can run end to end with known right answers; the wire stays the simulator's own.
import { afterEach, describe, expect, it } from 'vitest';
import { chat, closeAll, dataLines, getJson, host } from './helpers';
import { SimConfigError, startSimHost } from '../src/index';
import type { SimConfig, SimScriptRequest } from '../src/index';

afterEach(closeAll);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
const json = async (res: Promise<Response>): Promise<any> => (await res).json();

const CODE = 'def add(a, b):\n    return a + b\n';
const cfg = (extra: Partial<SimConfig['models'][string]> = {}): SimConfig => ({
  models: {
    coder: {
      loadMs: 5,
      genTps: 5000,
      promptTps: 50000,
      script: [
        { match: 'Write add', reply: '```python\n' + CODE + '```' },
        { regex: '^judge:', flags: 'm', reply: 'Both fine. [[A]]' },
      ],
      ...extra,
    },
  },
});

const streamed = async (res: Response): Promise<{ text: string; usage: any; timings: any }> => {
  const lines = dataLines(await res.text()).filter((l) => l !== '[DONE]').map((l) => JSON.parse(l));
  const text = lines.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  const withTimings = lines.find((c) => c.timings);
  return { text, usage: lines.find((c) => c.usage)?.usage, timings: withTimings?.timings };
};

describe('scripted answers', () => {
  it('replies verbatim to a matching prompt, non-streamed and streamed, with usage counted in pieces', async () => {
    const h = await host(cfg());
    const r = await json(chat(h, 'coder', 'Please: Write add in Python'));
    const want = '```python\n' + CODE + '```';
    expect(r.choices[0].message.content).toBe(want);
    expect(r.choices[0].finish_reason).toBe('stop');
    // one token per whitespace-led piece: ```python / def / add(a, / b): / return / a / + / b / ```
    expect(r.usage.completion_tokens).toBe(9);
    const s = await streamed(await chat(h, 'coder', 'Please: Write add in Python', { stream: true, stream_options: { include_usage: true } }));
    expect(s.text).toBe(want);
    expect(s.usage.completion_tokens).toBe(9);
    expect(s.timings.predicted_n).toBe(9);
  });

  it('regex rules, first match wins, no match falls back to the seeded pseudo-words', async () => {
    const h = await host(cfg());
    const plain = await startSimHost({ seed: 7, config: { models: { coder: { loadMs: 5, genTps: 5000, promptTps: 50000 } } } });
    try {
      const j = await json(chat(h, 'coder', 'judge: which is better?'));
      expect(j.choices[0].message.content).toBe('Both fine. [[A]]');
      const a = await json(chat(h, 'coder', 'tell me a story'));
      const b = await json(chat(plain, 'coder', 'tell me a story'));
      // identical to a model without a script: the wire behaviour is unchanged
      expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
      expect(a.usage).toEqual(b.usage);
    } finally {
      await plain.close();
    }
  });

  it('max_tokens truncates a scripted reply (finish_reason length)', async () => {
    const h = await host(cfg());
    const r = await json(chat(h, 'coder', 'Write add', { max_tokens: 3 }));
    expect(r.choices[0].message.content).toBe('```python\ndef add(a,');
    expect(r.choices[0].finish_reason).toBe('length');
  });

  it('a function sees the messages and may decline; /v1/completions is scripted too', async () => {
    const seen: SimScriptRequest[] = [];
    const h = await host({
      models: {
        fn: {
          loadMs: 5,
          genTps: 5000,
          script: (req) => {
            seen.push(req);
            if (req.lastUser.includes('json')) return '{"ok": true}';
            if (req.prompt.startsWith('complete:')) return ' done';
            return undefined;
          },
        },
      },
    });
    const r = await json(chat(h, 'fn', 'give json'));
    expect(r.choices[0].message.content).toBe('{"ok": true}');
    expect(seen[0]).toMatchObject({ model: 'fn', lastUser: 'give json', messages: [{ role: 'user', content: 'give json' }] });
    const c = await getJson(`${h.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'fn', prompt: 'complete: x' }) });
    expect(c.body.choices[0].text).toBe(' done');
  });

  it('a throwing function answers a llama-server 500; bad rules are refused at start', async () => {
    const h = await host({ models: { bad: { loadMs: 5, script: () => { throw new Error('boom'); } } } });
    const res = await chat(h, 'bad', 'x');
    expect(res.status).toBe(500);
    expect((await json(Promise.resolve(res))).error.message).toContain('invalid sim script: script function threw: boom');
    await expect(startSimHost({ config: { models: { m: { script: [{ match: 'x' }] as never } } } })).rejects.toThrow(SimConfigError);
    await expect(startSimHost({ config: { models: { m: { script: [{ regex: '(', reply: 'y' }] } } } })).rejects.toThrow(/bad regex/);
  });
});
