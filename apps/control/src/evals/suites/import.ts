// `pnpm boo eval import`: standard formats a user has on disk become a suite folder. Supported:
// HumanEval-style JSONL (task_id, prompt, canonical_solution, test, entry_point), MBPP-style
// (task_id, text, code, test_list[, test_setup_code]) and plain prompt/reference JSONL. Every line
// is checked; a bad one is EVAL_IMPORT_INVALID naming the file and the line.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { parseJsonl, suiteHash } from './loader';
import { ChatItemSchema, CodeItemSchema, ManifestSchema, type ChatItem, type CodeItem, type Manifest } from './schema';

export type ImportFormat = 'humaneval' | 'mbpp' | 'prompt-reference';

const HumanEvalLine = z.object({ task_id: z.union([z.string(), z.number()]), prompt: z.string(), canonical_solution: z.string(), test: z.string(), entry_point: z.string() });
const MbppLine = z.object({ task_id: z.union([z.string(), z.number()]), text: z.string(), code: z.string(), test_list: z.array(z.string()).min(1), test_setup_code: z.string().optional() });
const PromptRefLine = z.object({ id: z.union([z.string(), z.number()]).optional(), prompt: z.string().min(1), reference: z.string().min(1) });

const err = (file: string, line: number | null, reason: string) => new AppError('EVAL_IMPORT_INVALID', `${file}${line ? `:${line}` : ''}: ${reason}`, { file, line, reason });
const safeId = (v: string | number) => String(v).replace(/[^A-Za-z0-9_./:-]/g, '_').slice(0, 128);

/** The format of a file from its first non-blank line's keys. */
export function detectFormat(text: string, file: string): ImportFormat {
  const first = text.split('\n').find((l) => l.trim());
  if (!first) throw err(file, null, 'the file is empty');
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(first) as Record<string, unknown>;
  } catch (e) {
    throw err(file, 1, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if ('canonical_solution' in o && 'entry_point' in o) return 'humaneval';
  if ('test_list' in o && 'code' in o) return 'mbpp';
  if ('prompt' in o && 'reference' in o) return 'prompt-reference';
  throw err(file, 1, 'not HumanEval (canonical_solution, entry_point), MBPP (code, test_list) or prompt/reference JSONL');
}

/** Parses each line with the source schema, then checks the converted item against ours. */
function convert<S, T extends { id: string }>(text: string, file: string, src: z.ZodType<S>, to: (s: S, n: number) => T, check: z.ZodType<T>): T[] {
  const rows: T[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let j: unknown;
    try {
      j = JSON.parse(raw);
    } catch (e) {
      throw err(file, i + 1, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = src.safeParse(j);
    if (!r.success) throw err(file, i + 1, r.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; '));
    rows.push(to(r.data, i + 1));
  });
  // our own schema and unique ids, through the loader's parser (same messages as a hand-written suite)
  return parseJsonl(rows.map((x) => JSON.stringify(x)).join('\n'), check, file, (f, line, reason) => err(f, line, reason));
}

export function importItems(text: string, file: string, o: { format?: ImportFormat | undefined; category?: ChatItem['category'] | undefined }): { kind: 'code' | 'chat'; items: Array<CodeItem | ChatItem> } {
  const format = o.format ?? detectFormat(text, file);
  if (format === 'humaneval') {
    return {
      kind: 'code',
      items: convert(text, file, HumanEvalLine, (s) => ({ id: safeId(s.task_id), language: 'python', prompt: s.prompt, entryPoint: s.entry_point, canonical: s.prompt + s.canonical_solution, tests: `${s.test}\n\ncheck(${s.entry_point})\n` }), CodeItemSchema),
    };
  }
  if (format === 'mbpp') {
    return {
      kind: 'code',
      items: convert(
        text,
        file,
        MbppLine,
        (s) => ({ id: safeId(`mbpp/${s.task_id}`), language: 'python', prompt: `${s.text}\nYour code should pass these tests:\n${s.test_list.join('\n')}\n`, canonical: s.code, tests: `${s.test_setup_code ?? ''}\n${s.test_list.join('\n')}\n` }),
        CodeItemSchema,
      ),
    };
  }
  return {
    kind: 'chat',
    items: convert(text, file, PromptRefLine, (s, n) => ({ id: safeId(s.id ?? `item-${n}`), category: o.category ?? 'reasoning', turns: [s.prompt], reference: s.reference, baseline: s.reference }), ChatItemSchema),
  };
}

/** Writes `<suitesDir>/<name>/` (manifest with hash, items.jsonl); refuses to overwrite unless asked. */
export function writeSuite(suitesDir: string, name: string, kind: Manifest['kind'], items: unknown[], o: { version?: string; description?: string; force?: boolean } = {}): { dir: string; hash: string } {
  const m = ManifestSchema.safeParse({ name, version: o.version ?? '1.0.0', kind, description: o.description ?? '', files: ['items.jsonl'] });
  if (!m.success) throw new AppError('EVAL_IMPORT_INVALID', `bad suite name or version: ${m.error.issues[0]?.message ?? ''}`);
  const dir = join(suitesDir, name);
  if (existsSync(join(dir, 'manifest.json')) && !o.force) throw new AppError('CONFLICT', `suite ${name} exists at ${dir}; pass --force to replace it`);
  const jsonl = `${items.map((x) => JSON.stringify(x)).join('\n')}\n`;
  const hash = suiteHash(m.data, [['items.jsonl', jsonl]]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'items.jsonl'), jsonl);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ ...m.data, hash }, null, 2)}\n`);
  return { dir, hash };
}
