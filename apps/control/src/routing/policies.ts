import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { RoutingFileSchema, RoutingPolicySchema, type ModelFacts, type RoutingFile, type RoutingPolicy } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';

/**
 * `auto:*` policies. Three ship built in; ROUTING_FILE (YAML) adds or overrides policies and
 * gives the model facts and host tags that filters need; REST edits (PUT) override both until
 * the next restart. A bad file is reported with the line of every offending field.
 */
export const DEFAULT_POLICIES: Record<string, RoutingPolicy> = {
  fast: RoutingPolicySchema.parse({
    description: 'the quickest answer: loaded models, lowest predicted latency, least busy',
    weights: { quality: 0.5, speed: 3, residency: 3, load: 2, reliability: 1 },
    swapBudget: 100,
    nearTie: 5,
  }),
  best: RoutingPolicySchema.parse({
    description: 'the highest eval quality; swaps only when the gain beats the swap budget',
    weights: { quality: 4, speed: 0.5, residency: 1, load: 0.5, reliability: 1 },
    swapBudget: 8,
    nearTie: 2,
  }),
  code: RoutingPolicySchema.parse({
    description: 'quality on coding tasks, tool support preferred; avoids swaps within 10 points',
    category: 'coding',
    weights: { quality: 3, speed: 1, residency: 1.5, load: 0.5, reliability: 1 },
    swapBudget: 10,
    nearTie: 3,
  }),
};

/** How a plain model name is placed among the hosts that serve it: residency and load first. */
export const NAME_POLICY: RoutingPolicy = RoutingPolicySchema.parse({
  description: 'a model by name: where it is loaded and idle',
  weights: { quality: 0, speed: 1, residency: 4, load: 2, reliability: 1 },
  swapBudget: 100,
  nearTie: 3,
});

export type PolicySource = 'default' | 'file' | 'api';

export function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  let node: unknown = doc.contents;
  let last: Node | null = (doc.contents as Node | null) ?? null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(key));
      if (!pair) break;
      last = (pair.key as Node) ?? last;
      node = pair.value;
      if (node && typeof node === 'object' && 'range' in node) last = node as Node;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      if (node && typeof node === 'object' && 'range' in node) last = node as Node;
    } else break;
  }
  const offset = last?.range?.[0];
  return offset === undefined ? null : counter.linePos(offset).line;
}

/** Parses routing-file text; issues carry the path and the 1-based line. */
export function parseRoutingFile(text: string, name = 'routing file'): RoutingFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({ path: '', line: e.linePos?.[0]?.line ?? null, message: e.message.split('\n')[0] ?? e.message }));
    throw new AppError('ROUTING_INVALID', `${name} is not valid YAML: ${issues.map((i) => `line ${i.line}: ${i.message}`).join('; ')}`, { issues });
  }
  const r = RoutingFileSchema.safeParse(doc.toJS() ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      // An unknown key is reported on its object; point at the key itself.
      const at = i.code === 'unrecognized_keys' && i.keys[0] ? [...i.path, i.keys[0]] : i.path;
      return { path: i.path.map(String).join('.'), line: lineOf(doc, counter, at), message: i.message };
    });
    throw new AppError('ROUTING_INVALID', `${name} is invalid: ${issues.map((i) => `${i.path} (line ${i.line ?? '?'}): ${i.message}`).join('; ')}`, { issues });
  }
  return r.data;
}

export async function loadRoutingFile(path: string): Promise<RoutingFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('ROUTING_INVALID', `cannot read ROUTING_FILE ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseRoutingFile(text, `ROUTING_FILE ${path}`);
}

/** The policies in force, plus the facts the filters read. */
export class PolicyBook {
  private file: RoutingFile = RoutingFileSchema.parse({});
  private readonly api = new Map<string, RoutingPolicy>();

  constructor(readonly filePath: string | null = null) {}

  setFile(f: RoutingFile): void {
    this.file = f;
  }

  get(name: string): { policy: RoutingPolicy; source: PolicySource } | undefined {
    const a = this.api.get(name);
    if (a) return { policy: a, source: 'api' };
    const f = this.file.policies[name];
    if (f) return { policy: f, source: 'file' };
    const d = DEFAULT_POLICIES[name];
    return d ? { policy: d, source: 'default' } : undefined;
  }

  names(): string[] {
    return [...new Set([...Object.keys(DEFAULT_POLICIES), ...Object.keys(this.file.policies), ...this.api.keys()])].sort();
  }

  put(name: string, body: unknown): RoutingPolicy {
    const r = RoutingPolicySchema.safeParse(body);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), line: null, message: i.message }));
      throw new AppError('ROUTING_INVALID', `policy ${name} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    this.api.set(name, r.data);
    return r.data;
  }

  /** Drops the REST override; false when there was none. */
  reset(name: string): boolean {
    return this.api.delete(name);
  }

  facts(model: string): ModelFacts {
    return this.file.models[model] ?? {};
  }

  hostTags(hostId: string): string[] {
    return this.file.hostTags[hostId] ?? [];
  }
}
