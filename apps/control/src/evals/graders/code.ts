// Code suites (§2.5, E6, E7): n samples per problem, each run against the hidden tests in the
// sandbox (never anywhere else); pass@k by the unbiased estimator; per-test timeout
// max(floor, 4 × the reference solution's runtime), the reference measured in the same sandbox.
import type { EvalRunSpec, EvalSample, EvalSummary } from '@boocontrol/contracts';
import { bootstrapCi, mean, passAtK } from '../stats';
import type { SandboxLanguage, SandboxResult } from '../sandbox/bwrap';
import type { CodeItem } from '../suites/schema';
import type { Suite } from '../suites/loader';
import { blankResult, sampling, type Grader, type GradeEnv, type ScoredItem, type WorkUnit } from './types';

export const TIMEOUT_FACTOR = 4;
export const DEFAULT_TIMEOUT_FLOOR_MS = 4000;
const OUTPUT_KEEP = 4000;

const FENCE_TAGS: Record<SandboxLanguage, string[]> = { python: ['python', 'py', 'python3'], javascript: ['javascript', 'js', 'node'] };

/** The code in an answer: the first fenced block tagged with the language, else the first block, else all of it. */
export function extractCode(text: string, language: SandboxLanguage): string {
  const blocks = [...text.matchAll(/```([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ tag: (m[1] ?? '').toLowerCase(), body: m[2] ?? '' }));
  const tagged = blocks.find((b) => FENCE_TAGS[language].includes(b.tag));
  return (tagged ?? blocks[0])?.body ?? text;
}

/** The program the sandbox runs: the candidate, then the hidden tests (plain text, never a shell). */
export const program = (code: string, tests: string): string => `${code}\n\n${tests}\n`;

export function codePrompt(item: CodeItem): string {
  const lang = item.language === 'python' ? 'Python' : 'JavaScript';
  return `Complete the following ${lang} code. Reply with the complete ${item.entryPoint ? `\`${item.entryPoint}\` ` : ''}implementation in a single \`\`\`${item.language} code block.\n\n${item.prompt}`;
}

const tail = (r: SandboxResult) => `${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}\n${(r.stderr || r.stdout).slice(-OUTPUT_KEEP)}`;

function unit(env: GradeEnv, item: CodeItem, floorMs: number): WorkUnit {
  return {
    id: item.id,
    async run(): Promise<ScoredItem> {
      const prompt = codePrompt(item);
      const base = { ...blankResult(item.id, prompt), reference: item.canonical };
      const memoryMb = item.language === 'javascript' ? 512 : 256;
      // The reference first: it proves the tests and sets this item's timeout.
      const ref = await env.sandbox.run({ language: item.language, program: program(item.canonical, item.tests), limits: { timeoutMs: 30_000, memoryMb } });
      if (ref.status !== 'ok') return { ...base, invalid: true, detail: { invalid: `the reference solution does not pass its tests: ${tail(ref)}` } };
      const timeoutMs = Math.max(floorMs, Math.ceil(TIMEOUT_FACTOR * ref.wallMs));
      const s = sampling(env.spec, env.suite);
      const samples: EvalSample[] = [];
      // Model calls one at a time (the host's answers stay reproducible); their sandbox runs overlap.
      const runs: Array<Promise<void>> = [];
      for (let k = 0; k < env.spec.samples; k++) {
        const a = await env.ask(env.ep, [{ role: 'user', content: prompt }], { temperature: s.temperature, maxTokens: s.maxTokens, seed: env.spec.seed + k });
        const sample: EvalSample = { answer: a.text, passed: null, score: null, status: 'pending', latencyMs: a.latencyMs, tokens: a.completionTokens };
        samples.push(sample);
        const code = extractCode(a.text, item.language);
        runs.push(
          env.sandbox.run({ language: item.language, program: program(code, item.tests), limits: { timeoutMs, memoryMb } }).then((r) => {
            sample.passed = r.status === 'ok';
            sample.score = sample.passed ? 1 : 0;
            sample.status = r.status === 'ok' ? 'passed' : r.status;
            sample.output = tail(r);
          }),
        );
      }
      await Promise.all(runs);
      const c = samples.filter((x) => x.passed).length;
      const first = samples[0];
      return {
        ...base,
        score: c / samples.length,
        passed: samples.length === 1 ? c === 1 : c > 0,
        answer: first?.answer ?? '',
        verdict: samples.map((x) => x.status).join(', '),
        samples,
        detail: { n: samples.length, c, timeoutMs, referenceMs: Math.round(ref.wallMs), language: item.language, testOutput: first?.output ?? '' },
      };
    },
  };
}

export const codeGrader: Grader = {
  units(env) {
    const floor = env.suite.manifest.defaults.timeoutFloorMs ?? DEFAULT_TIMEOUT_FLOOR_MS;
    return (env.suite.items as CodeItem[]).map((item) => unit(env, item, floor));
  },
  summarize(results, spec: EvalRunSpec, suite: Suite): EvalSummary {
    const scored = results.filter((r) => !r.invalid && r.score !== null);
    const n = spec.samples;
    const passK: Record<string, number> = {};
    for (const k of [1, 5, 10, 100]) {
      if (k > n) continue;
      passK[`pass@${k}`] = mean(scored.map((r) => passAtK(r.samples.length, r.samples.filter((x) => x.passed).length, k)));
    }
    const statuses: Record<string, number> = {};
    for (const r of scored) for (const x of r.samples) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
    const per = scored.map((r) => r.score as number);
    const greedy = sampling(spec, suite).greedy;
    return {
      metric: greedy ? 'pass@1 (greedy, n=1)' : `pass@1 (n=${n})`,
      score: mean(per),
      ci: bootstrapCi(per, { seed: spec.seed }),
      n: scored.length,
      invalid: results.filter((r) => r.invalid).length,
      figures: { ...passK, samples: n, greedy, statuses },
    };
  },
};
