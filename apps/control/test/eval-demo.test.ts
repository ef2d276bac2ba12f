// The demo fleet's scripted eval answers: every shipped suite gets answers a grader can score,
// right for about the model's skill share of items, and the demo judge gives parseable verdicts.
import { describe, expect, it } from 'vitest';
import type { SimScriptRequest } from '@boocontrol/sim';
import { demoScript } from '../src/evals/demo-answers';
import { codePrompt, extractCode } from '../src/evals/graders/code';
import { pairPrompt, parsePair, parseRating, singlePrompt } from '../src/evals/graders/judge';
import { SuiteStore } from '../src/evals/suites/loader';
import type { ChatItem, CodeItem, UtilityItem } from '../src/evals/suites/schema';

const req = (messages: Array<{ role: string; content: string }>): SimScriptRequest => ({ model: 'm', messages, prompt: '', lastUser: [...messages].reverse().find((m) => m.role === 'user')?.content ?? '', text: messages.map((m) => m.content).join('\n'), body: {} });

describe('demo answers', () => {
  const store = new SuiteStore();
  it('answers code, utility and chat prompts; right about as often as the skill says', () => {
    const coder = demoScript('qwen3-coder-30b', store);
    const code = store.load('code').items as CodeItem[];
    const right = code.filter((i) => extractCode(coder(req([{ role: 'user', content: codePrompt(i) }])) ?? '', i.language) === i.canonical).length;
    expect(right / code.length).toBeGreaterThan(0.5);
    const small = demoScript('qwen2.5-3b', store);
    const smallRight = code.filter((i) => extractCode(small(req([{ role: 'user', content: codePrompt(i) }])) ?? '', i.language) === i.canonical).length;
    expect(smallRight).toBeLessThan(right);
    const util = store.load('utility').items as UtilityItem[];
    for (const i of util) expect(coder(req([{ role: 'user', content: i.prompt }]))).toBeTruthy();
    const chat = store.load('chat').items as ChatItem[];
    for (const c of chat) expect(coder(req([{ role: 'user', content: c.turns[0]! }]))).toBeTruthy();
  });

  it('the demo judge gives ratings and pairwise verdicts the parser reads', () => {
    const judge = demoScript('llama-3.3-70b', store);
    const c = (store.load('chat').items as ChatItem[])[0]!;
    expect(parseRating(judge(req(singlePrompt({ turns: c.turns.slice(0, 1), answers: [c.baseline!] }))) ?? '')).toBe(8);
    expect(parseRating(judge(req(singlePrompt({ turns: c.turns.slice(0, 1), answers: ['It depends.'] }))) ?? '')).toBe(3);
    expect(parsePair(judge(req(pairPrompt(c.turns[0]!, c.baseline!, 'It depends.'))) ?? '')).toBe('A');
    expect(parsePair(judge(req(pairPrompt(c.turns[0]!, 'It depends.', c.baseline!))) ?? '')).toBe('B');
  });
});
