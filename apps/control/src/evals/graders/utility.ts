// Utility suites (E9): the small calls tools make. JSON answers must satisfy their schema; tool
// calls must name the exact function with exactly the expected arguments (a tool_calls entry, or
// the same object as JSON text for servers without tool support); titles and summaries must keep
// their length and include what they must. Reported: schema-valid rate, exact match, p95 latency.
import type { EvalSummary } from '@boocontrol/contracts';
import type { ChatMessage } from '../client';
import { extractJson, jsonEqual, validateJson } from '../json-schema';
import { bootstrapCi, mean, percentile, wilsonCi } from '../stats';
import type { UtilityItem } from '../suites/schema';
import { blankResult, sampling, type Grader, type ScoredItem } from './types';

const words = (s: string) => s.trim().split(/\s+/).filter(Boolean).length;

const TOOL_HINT = 'If you call a tool and cannot use the tools field, reply with only {"name": "<function>", "arguments": {...}}.';

function gradeText(item: UtilityItem, text: string): { valid: boolean; exact: boolean; why: string[] } {
  const why: string[] = [];
  const t = text.trim();
  if (!t) why.push('empty');
  if (item.task === 'title' && t.includes('\n')) why.push('a title is one line');
  if (item.maxWords && words(t) > item.maxWords) why.push(`${words(t)} words > ${item.maxWords}`);
  for (const m of item.mustInclude ?? []) if (!t.toLowerCase().includes(m.toLowerCase())) why.push(`missing "${m}"`);
  return { valid: why.length === 0, exact: why.length === 0, why };
}

export const utilityGrader: Grader = {
  units(env) {
    return (env.suite.items as UtilityItem[]).map((item) => ({
      id: item.id,
      async run(): Promise<ScoredItem> {
        const s = sampling(env.spec, env.suite, 0);
        const messages: ChatMessage[] = [];
        const system = [item.system, item.task === 'json' ? 'Reply with JSON only.' : item.task === 'tool' ? TOOL_HINT : null].filter(Boolean).join('\n');
        if (system) messages.push({ role: 'system', content: system });
        messages.push({ role: 'user', content: item.prompt });
        const a = await env.ask(env.ep, messages, { temperature: s.temperature, maxTokens: s.maxTokens, seed: env.spec.seed, tools: item.task === 'tool' ? item.tools : undefined });
        let valid = false;
        let exact = false;
        let why: string[] = [];
        let parsed: unknown = null;
        if (item.task === 'json') {
          const j = extractJson(a.text);
          if (j.ok) {
            parsed = j.value;
            why = validateJson(j.value, item.schema ?? {});
            valid = why.length === 0;
            exact = valid;
          } else why = [j.error];
        } else if (item.task === 'tool') {
          const j = a.toolCall ? { ok: true as const, value: a.toolCall } : extractJson(a.text);
          const call = j.ok ? (j.value as { name?: unknown; arguments?: unknown }) : null;
          parsed = call;
          valid = !!call && typeof call.name === 'string' && !!call.arguments && typeof call.arguments === 'object';
          const nameOk = valid && call?.name === item.expected?.name;
          exact = nameOk && jsonEqual(call?.arguments, item.expected?.arguments);
          if (!valid) why = ['not a {name, arguments} call'];
          else if (!nameOk) why = [`called ${String(call?.name)}, expected ${item.expected?.name}`];
          else if (!exact) why = ['arguments differ from the expected ones'];
        } else {
          ({ valid, exact, why } = gradeText(item, a.text));
        }
        return {
          ...blankResult(item.id, item.prompt),
          reference: item.expected ? JSON.stringify(item.expected) : item.schema ? JSON.stringify(item.schema) : null,
          answer: a.text || (a.toolCall ? JSON.stringify(a.toolCall) : ''),
          score: exact ? 1 : 0,
          passed: exact,
          verdict: exact ? 'exact' : valid ? 'valid' : 'invalid',
          samples: [{ answer: a.text, passed: exact, score: exact ? 1 : 0, status: exact ? 'exact' : valid ? 'valid' : 'invalid', latencyMs: a.latencyMs, tokens: a.completionTokens, output: why.join('; ') }],
          detail: { task: item.task, valid, exact, errors: why, parsed, functionMatch: item.task === 'tool' ? why.length === 0 || why[0] === 'arguments differ from the expected ones' : null },
        };
      },
    }));
  },
  summarize(results, spec): EvalSummary {
    const scored = results.filter((r) => r.score !== null);
    const structured = scored.filter((r) => r.detail.task === 'json' || r.detail.task === 'tool');
    const tools = scored.filter((r) => r.detail.task === 'tool');
    const validN = structured.filter((r) => r.detail.valid === true).length;
    const lat = scored.flatMap((r) => r.samples.map((x) => x.latencyMs));
    const byTask: Record<string, { n: number; exact: number }> = {};
    for (const r of scored) {
      const t = String(r.detail.task);
      byTask[t] ??= { n: 0, exact: 0 };
      byTask[t].n++;
      if (r.passed) byTask[t].exact++;
    }
    const per = scored.map((r) => r.score as number);
    return {
      metric: 'exact / constraint pass rate',
      score: mean(per),
      ci: bootstrapCi(per, { seed: spec.seed }),
      n: scored.length,
      invalid: 0,
      figures: {
        schemaValidRate: structured.length ? validN / structured.length : null,
        schemaValidCi: wilsonCi(validN, structured.length),
        exactMatchRate: tools.length ? tools.filter((r) => r.passed).length / tools.length : null,
        functionMatchRate: tools.length ? tools.filter((r) => r.detail.functionMatch === true).length / tools.length : null,
        latencyP50Ms: percentile(lat, 50),
        latencyP95Ms: percentile(lat, 95),
        byTask,
      },
    };
  },
};
