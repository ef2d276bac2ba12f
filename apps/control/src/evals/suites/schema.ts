// What a suite on disk looks like: `evals/suites/<name>/manifest.json` plus JSONL item files.
// One zod schema per kind; a line that does not fit is refused naming the file and the line.
import { z } from 'zod';
import { EvalSuiteKindSchema } from '@boocontrol/contracts';

const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_./:-]+$/, 'an item id: letters, digits, _ . / : -');

export const ManifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  version: z.string().min(1).max(32),
  kind: EvalSuiteKindSchema,
  description: z.string().default(''),
  /** item files, JSONL, in this folder */
  files: z.array(z.string().regex(/^[A-Za-z0-9_.-]+\.jsonl$/)).min(1).default(['items.jsonl']),
  /** sha256 over the item files (and the haystack); when present it must match */
  hash: z.string().optional(),
  defaults: z
    .strictObject({
      maxTokens: z.number().int().min(1).max(8192).optional(),
      temperature: z.number().min(0).max(2).optional(),
      /** code: the floor of the per-test timeout, ms (EvalPlus T_min) */
      timeoutFloorMs: z.number().int().min(100).max(60_000).optional(),
    })
    .default({}),
  /** long-context: the grid and the haystack text the needles are hidden in */
  niah: z
    .strictObject({
      lengths: z.array(z.number().int().min(64)).min(1),
      depths: z.array(z.number().min(0).max(100)).min(1),
      haystack: z.string().regex(/^[A-Za-z0-9_.-]+\.txt$/),
    })
    .optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const CodeItemSchema = z.strictObject({
  id: Id,
  language: z.enum(['python', 'javascript']),
  /** what the model is asked (a signature and docstring, or a task) */
  prompt: z.string().min(1),
  entryPoint: z.string().optional(),
  /** hidden tests: code appended after the candidate; exits non-zero (an assert) on failure */
  tests: z.string().min(1),
  /** a known-correct solution: proves the tests, and its runtime sets the timeout */
  canonical: z.string().min(1),
});
export type CodeItem = z.infer<typeof CodeItemSchema>;

export const ChatItemSchema = z.strictObject({
  id: Id,
  category: z.enum(['writing', 'roleplay', 'extraction', 'reasoning', 'math', 'coding', 'stem', 'humanities']),
  /** one or two user turns (MT-Bench style) */
  turns: z.array(z.string().min(1)).min(1).max(2),
  /** reference answer: reference-guided grading for math, reasoning and coding */
  reference: z.string().optional(),
  /** the fixed baseline's answer: pairwise A-vs-B in both orders (Arena-Hard style) */
  baseline: z.string().optional(),
});
export type ChatItem = z.infer<typeof ChatItemSchema>;

export const UtilityItemSchema = z.strictObject({
  id: Id,
  task: z.enum(['json', 'tool', 'title', 'summary']),
  prompt: z.string().min(1),
  system: z.string().optional(),
  /** json: the JSON schema the answer must satisfy */
  schema: z.record(z.string(), z.unknown()).optional(),
  /** tool: the tools offered (OpenAI function format) and the exact call expected */
  tools: z.array(z.record(z.string(), z.unknown())).optional(),
  expected: z.strictObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()) }).optional(),
  /** title/summary: constraints on the text */
  maxWords: z.number().int().min(1).optional(),
  mustInclude: z.array(z.string()).optional(),
});
export type UtilityItem = z.infer<typeof UtilityItemSchema>;

export const NeedleSchema = z.strictObject({
  id: Id,
  /** the sentence hidden in the haystack */
  needle: z.string().min(1),
  question: z.string().min(1),
  /** what a correct answer contains (case-insensitive) */
  answer: z.string().min(1),
});
export type Needle = z.infer<typeof NeedleSchema>;

export const CalibrationPairSchema = z.strictObject({
  id: Id,
  question: z.string().min(1),
  a: z.string().min(1),
  b: z.string().min(1),
  /** the human label: which answer is better */
  gold: z.enum(['A', 'B', 'tie']),
});
export type CalibrationPair = z.infer<typeof CalibrationPairSchema>;

export const ITEM_SCHEMAS = {
  code: CodeItemSchema,
  chat: ChatItemSchema,
  utility: UtilityItemSchema,
  'long-context': NeedleSchema,
  calibration: CalibrationPairSchema,
} as const;

export type SuiteItem = CodeItem | ChatItem | UtilityItem | Needle | CalibrationPair;
