// `boo eval import` / `hash` / `selftest`: standard formats become suites that load, hash and
// run; bad lines are typed errors naming the file and line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evalCli } from '../src/cli/eval-cli';
import { findTools } from '../src/evals/sandbox/bwrap';
import { Sandbox } from '../src/evals/sandbox/sandbox';
import { program } from '../src/evals/graders/code';
import { importItems } from '../src/evals/suites/import';
import { SuiteStore } from '../src/evals/suites/loader';
import type { CodeItem } from '../src/evals/suites/schema';

const dir = mkdtempSync(join(tmpdir(), 'boo-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HUMANEVAL = [
  { task_id: 'Own/0', prompt: 'def double(x):\n    """Return twice x."""\n', canonical_solution: '    return 2 * x\n', test: 'def check(candidate):\n    assert candidate(2) == 4\n    assert candidate(-1) == -2\n', entry_point: 'double' },
  { task_id: 'Own/1', prompt: 'def first(xs):\n    """The first element, or None."""\n', canonical_solution: '    return xs[0] if xs else None\n', test: 'def check(candidate):\n    assert candidate([3]) == 3\n    assert candidate([]) is None\n', entry_point: 'first' },
];
const MBPP = [{ task_id: 11, text: 'Write a function to reverse a string.', code: 'def rev(s):\n    return s[::-1]\n', test_list: ['assert rev("ab") == "ba"', 'assert rev("") == ""'] }];
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function cli(args: string[], opts: Record<string, unknown> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const never = async () => ({ status: 500, body: {} });
  return evalCli(args, opts, never, { out: (l) => out.push(l), err: (l) => err.push(l) }, () => 1, { suitesDir: dir }).then((code) => ({ code, out, err }));
}

describe('eval import', () => {
  it('detects and converts HumanEval, MBPP and prompt/reference JSONL', () => {
    const he = importItems(jsonl(HUMANEVAL), 'he.jsonl', {});
    expect(he.kind).toBe('code');
    expect(he.items[0]).toMatchObject({ id: 'Own/0', language: 'python', entryPoint: 'double' });
    expect((he.items[0] as CodeItem).tests).toContain('check(double)');
    const mb = importItems(jsonl(MBPP), 'mbpp.jsonl', {});
    expect(mb.items[0]).toMatchObject({ id: 'mbpp/11', canonical: MBPP[0]!.code });
    const pr = importItems(jsonl([{ prompt: 'What is 2+2?', reference: '4' }]), 'pr.jsonl', {});
    expect(pr).toMatchObject({ kind: 'chat', items: [{ id: 'item-1', turns: ['What is 2+2?'], reference: '4', category: 'reasoning' }] });
  });

  it('a bad line is EVAL_IMPORT_INVALID naming the file and the line', () => {
    const bad = jsonl(HUMANEVAL) + '{"task_id": "x", "prompt": "p"}\n';
    expect(() => importItems(bad, 'he.jsonl', {})).toThrow(expect.objectContaining({ code: 'EVAL_IMPORT_INVALID', details: expect.objectContaining({ file: 'he.jsonl', line: 3 }) }));
    expect(() => importItems('{"x": 1}\n', 'odd.jsonl', {})).toThrow(/odd\.jsonl:1: not HumanEval/);
    expect(() => importItems(jsonl([HUMANEVAL[0], HUMANEVAL[0]]), 'dup.jsonl', {})).toThrow(/dup\.jsonl:2: duplicate id/);
  });

  it('boo eval import writes a suite that loads with a matching hash; boo eval hash fixes a hand edit', async () => {
    const src = join(dir, 'he.jsonl');
    writeFileSync(src, jsonl(HUMANEVAL));
    const r = await cli(['import', src], { name: 'my-he' });
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out[0]).toMatch(/suite my-he: 2 code items/);
    const store = new SuiteStore(dir);
    const suite = store.load('my-he');
    expect(suite.items).toHaveLength(2);
    expect((await cli(['import', src], { name: 'my-he' })).code).toBe(1); // exists: needs --force
    // a hand edit breaks the hash: refused until `boo eval hash`
    writeFileSync(join(dir, 'my-he', 'items.jsonl'), readFileSync(join(dir, 'my-he', 'items.jsonl'), 'utf8').replace('twice', 'two times'));
    expect(() => store.load('my-he')).toThrow(/does not match the files/);
    expect((await cli(['hash', 'my-he'])).code).toBe(0);
    expect(store.load('my-he').hash).not.toBe(suite.hash);
  });

  it.skipIf(!findTools().tools)('imported HumanEval references pass their tests in the sandbox; boo eval selftest passes', async () => {
    const suite = new SuiteStore(dir).load('my-he');
    const sb = new Sandbox(2);
    for (const item of suite.items as CodeItem[]) {
      const r = await sb.run({ language: 'python', program: program(item.canonical, item.tests) });
      expect(r.status, r.stderr).toBe('ok');
    }
    const st = await cli(['selftest']);
    expect(st.code, st.out.join('\n')).toBe(0);
    expect(st.out.at(-1)).toMatch(/^sandbox ok; cold start \d+ ms$/);
    expect(st.out.filter((l) => l.startsWith('ok '))).toHaveLength(10);
  }, 60_000);
});
