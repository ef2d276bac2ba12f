// Scripted answers for the demo fleet, so every shipped suite gives a meaningful scoreboard after
// `pnpm start`: each demo model has a skill, and for each item a seeded draw decides whether it
// answers right (the reference, the expected call, the needle) or wrong. The largest model judges
// by comparing answers with the references it is shown. Demo only: real hosts answer for themselves.
import type { SimScriptRequest } from '@boocontrol/sim';
import { hashUnit } from './demo-hash';
import { SuiteStore, type Suite } from './suites/loader';
import type { ChatItem, CodeItem, Needle, UtilityItem } from './suites/schema';

/** The share of items a demo model gets right (its id → skill); unknown models get 0.5. */
const SKILL: Record<string, number> = { 'qwen3-coder-30b': 0.85, 'qwen3-32b': 0.75, 'gemma3-27b': 0.65, 'mistral-small-24b': 0.6, 'llama-3.3-70b': 0.8, 'qwen2.5-3b': 0.35 };

/** A minimal value that satisfies a JSON schema (the utility suite's json items). */
function instance(schema: Record<string, unknown>): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (t === 'object' || schema.properties) {
    const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, instance(v)]));
  }
  if (t === 'array') return Array.from({ length: Number(schema.minItems ?? 1) }, () => instance((schema.items ?? {}) as Record<string, unknown>));
  if (t === 'integer' || t === 'number') return Number(schema.minimum ?? 1);
  if (t === 'boolean') return true;
  if (typeof schema.pattern === 'string' && schema.pattern.includes('\\d{4}')) return '2026-01-01';
  return 'x';
}

interface Tables {
  code: CodeItem[];
  utility: UtilityItem[];
  chat: ChatItem[];
  needles: Needle[];
}

function load(store: SuiteStore): Tables {
  const get = <T>(name: string): T[] => {
    try {
      return store.load(name).items as T[];
    } catch {
      return [];
    }
  };
  return { code: get<CodeItem>('code'), utility: get<UtilityItem>('utility'), chat: get<ChatItem>('chat'), needles: get<Needle>('long-context') };
}

function judgeAnswer(t: Tables, req: SimScriptRequest): string | undefined {
  const sys = req.messages[0]?.content ?? '';
  const user = req.lastUser;
  const good = (text: string) => t.chat.some((c) => (c.baseline && text.includes(c.baseline.slice(0, 40))) || (c.reference && text.includes(c.reference.slice(0, 30))));
  if (sys.includes('[[rating]]')) {
    const answer = user.split("[The Start of Assistant's Answer]")[1] ?? user;
    return `The answer ${good(answer) ? 'is accurate and complete' : 'is vague and misses the point'}. Rating: [[${good(answer) ? 8 : 3}]]`;
  }
  if (sys.includes('[[A]]')) {
    const a = user.split("[The Start of Assistant A's Answer]")[1]?.split("[The End of Assistant A's Answer]")[0] ?? '';
    const b = user.split("[The Start of Assistant B's Answer]")[1]?.split("[The End of Assistant B's Answer]")[0] ?? '';
    const ga = good(a) || a.length > b.length * 1.5;
    const gb = good(b) || b.length > a.length * 1.5;
    return ga === gb ? 'Both are comparable. [[C]]' : ga ? 'A is better. [[A]]' : 'B is better. [[B]]';
  }
  return undefined;
}

/** The scripted answer function of one demo model. */
export function demoScript(model: string, suites = new SuiteStore()): (req: SimScriptRequest) => string | undefined {
  let tables: Tables | null = null;
  const skill = SKILL[model] ?? 0.5;
  const right = (id: string) => hashUnit(`${model}\u0000${id}`) < skill;
  return (req) => {
    tables ??= load(suites);
    const t = tables;
    const u = req.lastUser;
    const code = t.code.find((i) => u.includes(i.prompt));
    if (code) return '```' + code.language + '\n' + (right(code.id) ? code.canonical : code.language === 'python' ? 'def solution(*args):\n    return None\n' : 'function solution() { return null; }\n') + '```';
    const util = t.utility.find((i) => u === i.prompt);
    if (util) {
      if (!right(util.id)) return util.task === 'json' || util.task === 'tool' ? '{"error": "unsure"}' : 'Something happened';
      if (util.task === 'json') return JSON.stringify(instance(util.schema ?? {}));
      if (util.task === 'tool') return JSON.stringify(util.expected);
      return (util.mustInclude ?? ['ok']).join(' ') + ' update';
    }
    const chat = t.chat.find((c) => c.turns.includes(u));
    if (chat) return right(`${chat.id}/${chat.turns.indexOf(u)}`) ? (chat.baseline ?? chat.reference ?? 'A careful answer.') : 'It depends on many factors.';
    const needle = t.needles.find((n) => u.includes(n.needle) && u.includes(n.question));
    if (needle) {
      // long prompts are harder: the chance of finding the needle falls with the prompt length
      const words = u.split(/\s+/).length;
      return hashUnit(`${model}\u0000${words}\u0000${u.indexOf(needle.needle)}`) < skill * Math.min(1, 6000 / words) + 0.1 ? `It says ${needle.answer}.` : 'The document does not say.';
    }
    return judgeAnswer(t, req);
  };
}

export type { Suite };
