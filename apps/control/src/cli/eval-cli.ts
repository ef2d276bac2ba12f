// `pnpm boo eval run|list|show|selftest|import|hash`. run, list and show are REST clients like
// the rest of boo; selftest, import and hash work on this machine (the sandbox and the suite
// folder are local to control), so they need no running control.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAppError } from '../lib/errors';
import { Sandbox } from '../evals/sandbox/sandbox';
import { DEFAULT_SUITES_DIR, suiteHash } from '../evals/suites/loader';
import { importItems, writeSuite, type ImportFormat } from '../evals/suites/import';
import { ManifestSchema } from '../evals/suites/schema';
import { table } from './format';

export const EVAL_USAGE = `  eval run <suite> <model> --host h [--samples n] [--judge host/model] [--limit n] [--no-wait]
                                          run an eval; waits and prints the score with its CI
  eval list [--suite s]                   eval runs, newest first
  eval show <run id>                      a run's summary and its items
  eval scoreboard [--suite s]             scores per model × host × config with CIs
  eval selftest                           prove the code sandbox (hostile programs contained)
  eval import <file.jsonl> --name n [--format humaneval|mbpp|prompt-reference] [--force]
                                          turn a HumanEval/MBPP or prompt/reference JSONL into a suite
  eval hash <suite>                       recompute a hand-edited suite's manifest hash`;

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Io {
  out(l: string): void;
  err(l: string): void;
}
interface Opts {
  host?: string | undefined;
  suite?: string | undefined;
  samples?: string | undefined;
  judge?: string | undefined;
  limit?: string | undefined;
  name?: string | undefined;
  format?: string | undefined;
  force?: boolean | undefined;
  json?: boolean | undefined;
  'no-wait'?: boolean | undefined;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const scoreText = (s: any) => (s ? `${s.metric} ${pct(s.score)} [${pct(s.ci.low)}, ${pct(s.ci.high)}] n=${s.n}` : '-');

export async function evalCli(rest: string[], o: Opts, call: Call, io: Io, fail: (r: { status: number; body: any }) => number, env: { suitesDir?: string } = {}): Promise<number> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const [sub, ...args] = rest;
  const suitesDir = env.suitesDir ?? DEFAULT_SUITES_DIR;
  const print = (body: unknown, human: () => void) => (o.json ? io.out(JSON.stringify(body, null, 2)) : human());
  try {
    switch (sub) {
      case 'run': {
        const [suite, model] = args;
        if (!suite || !model || !o.host) throw new Error('eval run needs <suite> <model> --host h');
        const judge = o.judge?.split('/');
        const body = { suite, model, host: o.host, ...(o.samples ? { samples: Number(o.samples) } : {}), ...(o.limit ? { limit: Number(o.limit) } : {}), ...(judge?.length === 2 ? { judge: { host: judge[0], model: judge[1] } } : {}) };
        const r = await call('POST', '/api/control/evals/runs', body);
        if (r.status !== 202) return fail(r);
        if (o['no-wait']) {
          print(r.body, () => io.out(`queued: eval ${r.body.runId} (job ${r.body.jobId})`));
          return 0;
        }
        for (;;) {
          const g = await call('GET', `/api/control/evals/runs/${r.body.runId}?limit=1`);
          if (g.status !== 200) return fail(g);
          if (g.body.status !== 'queued' && g.body.status !== 'running') {
            print(g.body, () => io.out(`${g.body.id} ${suite} ${model}@${o.host}: ${g.body.status} — ${scoreText(g.body.summary)}${g.body.error ? ` — ${g.body.error.message}` : ''}`));
            return g.body.status === 'succeeded' ? 0 : 1;
          }
          await new Promise((res) => setTimeout(res, 1000));
        }
      }
      case 'list': {
        const r = await call('GET', `/api/control/evals/runs${o.suite ? `?suite=${encodeURIComponent(o.suite)}` : ''}`);
        if (r.status !== 200) return fail(r);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        print(r.body, () => io.out(table(['RUN', 'SUITE', 'HOST', 'MODEL', 'STATUS', 'DONE', 'SCORE'], r.body.runs.map((x: any) => [x.id.slice(0, 8), x.suite, x.hostId, x.model, x.status, `${x.itemsDone}/${x.itemsTotal}`, scoreText(x.summary)]))));
        return 0;
      }
      case 'show': {
        if (!args[0]) throw new Error('eval show needs a run id');
        const r = await call('GET', `/api/control/evals/runs/${encodeURIComponent(args[0])}?limit=500`);
        if (r.status !== 200) return fail(r);
        print(r.body, () => {
          io.out(`${r.body.id} ${r.body.suite} ${r.body.model}@${r.body.hostId}: ${r.body.status} — ${scoreText(r.body.summary)}`);
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          io.out(table(['ITEM', 'SCORE', 'VERDICT'], r.body.items.map((i: any) => [i.itemId, i.score === null ? '-' : String(Math.round(i.score * 1000) / 1000), (i.verdict ?? '').slice(0, 60)])));
        });
        return 0;
      }
      case 'scoreboard': {
        const r = await call('GET', `/api/control/evals/scoreboard${o.suite ? `?suite=${encodeURIComponent(o.suite)}` : ''}`);
        if (r.status !== 200) return fail(r);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        print(r.body, () => io.out(table(['SUITE', 'MODEL', 'HOST', 'CONFIG', 'SCORE', '95% CI', 'N'], r.body.rows.map((x: any) => [x.suite, x.model, x.hostId, x.configKey, pct(x.score), `${pct(x.ci.low)}–${pct(x.ci.high)}`, String(x.n)]))));
        return 0;
      }
      case 'selftest': {
        const report = await new Sandbox(2).selftest();
        print(report, () => {
          for (const c of report.checks) io.out(`${c.passed ? 'ok  ' : 'FAIL'} ${c.name} (${c.status}, ${c.wallMs} ms)${c.passed ? '' : ` — ${c.detail}`}`);
          if (report.checks.length === 0) io.out(report.failures.join('\n'));
          io.out(report.passed ? `sandbox ok; cold start ${report.coldStartMs} ms` : 'sandbox UNAVAILABLE: code evals are refused');
        });
        return report.passed ? 0 : 1;
      }
      case 'import': {
        if (!args[0] || !o.name) throw new Error('eval import needs <file.jsonl> --name <suite>');
        const file = resolve(args[0]);
        const fmt = o.format as ImportFormat | undefined;
        if (fmt && !['humaneval', 'mbpp', 'prompt-reference'].includes(fmt)) throw new Error('--format is humaneval, mbpp or prompt-reference');
        const { kind, items } = importItems(readFileSync(file, 'utf8'), file, { format: fmt });
        const w = writeSuite(suitesDir, o.name, kind, items, { force: !!o.force, description: `imported from ${file}` });
        io.out(`suite ${o.name}: ${items.length} ${kind} items → ${w.dir} (${w.hash})`);
        return 0;
      }
      case 'hash': {
        if (!args[0]) throw new Error('eval hash needs a suite name');
        const dir = join(suitesDir, args[0]);
        const raw = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
        const m = ManifestSchema.parse(raw);
        const files: Array<[string, string]> = m.files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
        if (m.niah) files.push([m.niah.haystack, readFileSync(join(dir, m.niah.haystack), 'utf8')]);
        raw.hash = suiteHash(m, files);
        writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(raw, null, 2)}\n`);
        io.out(`${args[0]}: ${String(raw.hash)}`);
        return 0;
      }
      default:
        io.err(`boo: unknown eval command ${sub ?? ''}\n\n${EVAL_USAGE}`);
        return 2;
    }
  } catch (e) {
    io.err(`boo: ${e instanceof Error ? e.message : String(e)}`);
    return isAppError(e) ? 1 : 2;
  }
}
