import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue, ConfigValidation } from '@boocontrol/contracts';
import { LlamaSwapConfigSchema, type LlamaSwapConfig } from './llama-swap-config';

/**
 * Validates llama-swap config text: YAML syntax (with line numbers), the zod schema (unknown keys
 * are warnings, everything else an error), then the cross-field rules llama-swap enforces at load
 * (unique aliases, one group per model, defined group members, known macros). Pure.
 */
export function validateLlamaSwapConfig(text: string): ConfigValidation {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: true, uniqueKeys: true });
  const issues: ConfigIssue[] = [];
  for (const e of doc.errors) issues.push(yamlIssue('error', e.message, e.linePos?.[0]));
  for (const w of doc.warnings) issues.push(yamlIssue('warning', w.message, w.linePos?.[0]));
  if (doc.errors.length > 0) return finish(issues, []);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    issues.push({ severity: 'error', message: err instanceof Error ? err.message : String(err), path: '' });
    return finish(issues, []);
  }
  if (data === null || data === undefined) data = {};
  const at = (path: PropertyKey[], key?: string) => locate(doc, lc, path, key);

  const parsed = LlamaSwapConfigSchema.safeParse(data);
  if (!parsed.success) for (const issue of parsed.error.issues) issues.push(...zodIssue(issue, at));

  // Semantic rules only make sense on a structurally valid document; run them on what parsed.
  const cfg = parsed.success ? parsed.data : undefined;
  const modelIds = Object.keys(isRecord(data) && isRecord(data.models) ? data.models : {});
  if (cfg) issues.push(...semanticIssues(cfg, at));
  if (modelIds.length === 0 && !(isRecord(data) && isRecord(data.peers))) {
    issues.push({ severity: 'warning', message: 'no models are defined', path: 'models', ...at([]) });
  }
  return finish(issues, modelIds);
}

type Locate = (path: PropertyKey[], key?: string) => { line?: number; column?: number };

function finish(issues: ConfigIssue[], modelIds: string[]): ConfigValidation {
  const byLine = (a: ConfigIssue, b: ConfigIssue) => (a.line ?? 0) - (b.line ?? 0);
  const errors = issues.filter((i) => i.severity === 'error').sort(byLine);
  const warnings = issues.filter((i) => i.severity === 'warning').sort(byLine);
  return { ok: errors.length === 0, errors, warnings, modelIds };
}

function yamlIssue(severity: ConfigIssue['severity'], message: string, pos?: { line: number; col: number }): ConfigIssue {
  // yaml's pretty messages append a code excerpt after the first line; keep the first line.
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  return { severity, message: first, path: '', ...(pos ? { line: pos.line, column: pos.col } : {}) };
}

function zodIssue(issue: z.core.$ZodIssue, at: Locate): ConfigIssue[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      severity: 'warning' as const,
      message: `unknown key "${key}" (llama-swap ignores it)`,
      path: [...path, key].join('.'),
      ...at(issue.path, key),
    }));
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) message = 'required';
  return [{ severity: 'error', message, path: path.join('.'), ...at(issue.path) }];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Line/column (1-based) of the node at `path`, of the key `key` in it, or of the nearest parent. */
function locate(doc: Document, lc: LineCounter, path: PropertyKey[], key?: string): { line?: number; column?: number } {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined;
  // The key of the last pair descended into: a missing child is reported at its parent's key.
  let parentKey: Node | undefined;
  const steps = key === undefined ? path : [...path, key];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) {
        if (parentKey) best = parentKey;
        break;
      }
      // For the final step of a key lookup, point at the key itself (the value may be empty).
      const keyNode = pair.key as Node;
      if (last && (key !== undefined || pair.value === null)) {
        best = isNodeWithRange(keyNode) ? keyNode : best;
        break;
      }
      node = pair.value;
      parentKey = isNodeWithRange(keyNode) ? keyNode : undefined;
      if (isNodeWithRange(node)) best = node;
      else if (isNodeWithRange(keyNode)) best = keyNode;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      parentKey = undefined;
      if (isNodeWithRange(node)) best = node;
      else break;
    } else break;
  }
  if (!best?.range) return {};
  const pos = lc.linePos(best.range[0]);
  return { line: pos.line, column: pos.col };
}

const isNodeWithRange = (n: unknown): n is Node => typeof n === 'object' && n !== null && 'range' in n && Array.isArray((n as Node).range);

const MACRO_REF = /\$\{([A-Za-z0-9_-]+)\}/g;
const BUILTIN_MACROS = ['PORT', 'MODEL_ID'];

function semanticIssues(cfg: LlamaSwapConfig, at: Locate): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const err = (message: string, path: PropertyKey[], key?: string): void => {
    out.push({ severity: 'error', message, path: [...path, ...(key ? [key] : [])].map(String).join('.'), ...at(path, key) });
  };
  const warn = (message: string, path: PropertyKey[], key?: string): void => {
    out.push({ severity: 'warning', message, path: [...path, ...(key ? [key] : [])].map(String).join('.'), ...at(path, key) });
  };
  const models = cfg.models ?? {};
  const ids = new Set(Object.keys(models));

  // Aliases are global: unique across models and distinct from model ids.
  const aliasOwner = new Map<string, string>();
  for (const [id, m] of Object.entries(models)) {
    (m.aliases ?? []).forEach((alias, i) => {
      if (ids.has(alias)) err(`alias "${alias}" is also a model id`, ['models', id, 'aliases', i]);
      const owner = aliasOwner.get(alias);
      if (owner && owner !== id) err(`alias "${alias}" is already used by model "${owner}"`, ['models', id, 'aliases', i]);
      aliasOwner.set(alias, id);
    });
  }

  // Macros: names are checked by the schema; built-ins may not be redefined; references must resolve.
  const globalMacros = cfg.macros ?? {};
  for (const name of Object.keys(globalMacros)) {
    if ([...BUILTIN_MACROS, 'PID'].includes(name)) err(`macro "${name}" is built in and cannot be redefined`, ['macros'], name);
  }
  for (const [id, m] of Object.entries(models)) {
    const known = new Set([...Object.keys(globalMacros), ...Object.keys(m.macros ?? {}), ...BUILTIN_MACROS]);
    const fields = { cmd: m.cmd, cmdStop: m.cmdStop, proxy: m.proxy, checkEndpoint: m.checkEndpoint } as const;
    for (const [field, value] of Object.entries(fields)) {
      if (typeof value !== 'string') continue;
      for (const match of value.matchAll(MACRO_REF)) {
        const name = match[1] ?? '';
        if (known.has(name) || (field === 'cmdStop' && name === 'PID')) continue;
        err(`unknown macro "\${${name}}" in ${field}`, ['models', id, field]);
      }
    }
  }

  // Groups (legacy top-level form or routing.router.settings.groups), never both.
  const routerGroups = cfg.routing?.router?.settings?.groups;
  if (cfg.groups && cfg.routing?.router) err('top-level "groups" cannot be combined with "routing.router"', ['groups']);
  const groupsPath = cfg.groups ? ['groups'] : ['routing', 'router', 'settings', 'groups'];
  const memberOf = new Map<string, string>();
  for (const [gid, g] of Object.entries(cfg.groups ?? routerGroups ?? {})) {
    (g.members ?? []).forEach((member, i) => {
      const p = [...groupsPath, gid, 'members', i];
      if (!ids.has(member)) err(`group member "${member}" is not a defined model`, p);
      const prev = memberOf.get(member);
      if (prev && prev !== gid) err(`model "${member}" is in groups "${prev}" and "${gid}"; a model may be in one group only`, p);
      memberOf.set(member, gid);
    });
  }

  // Things llama-swap silently adjusts: say so.
  if (typeof cfg.healthCheckTimeout === 'number' && cfg.healthCheckTimeout < 15) {
    warn('healthCheckTimeout below 15 s is raised to 15 by llama-swap', ['healthCheckTimeout']);
  }
  (cfg.hooks?.on_startup?.preload ?? []).forEach((name, i) => {
    if (!ids.has(name) && !aliasOwner.has(name)) warn(`preload "${name}" is not a model id or alias; llama-swap drops it`, ['hooks', 'on_startup', 'preload', i]);
  });
  const every = cfg.performance?.every;
  if (every !== undefined) {
    const ms = parseGoDuration(every);
    if (ms === undefined) err(`"${every}" is not a duration (e.g. 5s, 1m)`, ['performance', 'every']);
    else if (ms < 5000) err('performance.every must be at least 5s', ['performance', 'every']);
  }
  return out;
}

/** Parses a Go duration string ("1m30s", "500ms"); undefined when it is not one. */
export function parseGoDuration(s: string): number | undefined {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  return s.length > 0 && pos === s.length ? total : s === '0' ? 0 : undefined;
}
