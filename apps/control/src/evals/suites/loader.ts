// Reads suites from disk. Everything is checked before a run exists: a malformed manifest or
// line is an EVAL_SUITE_INVALID naming the file and the line, an unknown name EVAL_UNKNOWN_SUITE.
// The hash covers the manifest's own fields and every file it names, so a result is tied to the
// exact items that produced it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvalSuiteSummary } from '@boocontrol/contracts';
import type { z } from 'zod';
import { AppError } from '../../lib/errors';
import { ITEM_SCHEMAS, ManifestSchema, type Manifest, type SuiteItem } from './schema';

export const DEFAULT_SUITES_DIR = fileURLToPath(new URL('../../../../../evals/suites', import.meta.url));

export interface Suite {
  manifest: Manifest;
  dir: string;
  hash: string;
  items: SuiteItem[];
  /** long-context: the haystack text */
  haystack?: string;
}

const invalid = (file: string, line: number | null, reason: string) =>
  new AppError('EVAL_SUITE_INVALID', `${file}${line ? `:${line}` : ''}: ${reason}`, { file, line, reason });

function issueText(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}` : 'invalid';
}

/** Parses JSONL against a schema; blank lines are skipped, ids must be unique. */
export function parseJsonl<T extends { id: string }>(text: string, schema: z.ZodType<T>, file: string, makeError = invalid): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw makeError(file, i + 1, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = schema.safeParse(json);
    if (!r.success) throw makeError(file, i + 1, issueText(r.error));
    if (seen.has(r.data.id)) throw makeError(file, i + 1, `duplicate id ${r.data.id}`);
    seen.add(r.data.id);
    out.push(r.data);
  });
  return out;
}

/** sha256 over the manifest (without its hash) and the named files, in order. */
export function suiteHash(manifest: Manifest, files: ReadonlyArray<readonly [string, string]>): string {
  const h = createHash('sha256');
  const { hash: _hash, ...rest } = manifest;
  h.update(JSON.stringify(rest));
  for (const [name, text] of files) h.update(`\u0000${name}\u0000${text}`);
  return `sha256:${h.digest('hex')}`;
}

export class SuiteStore {

  constructor(readonly dir: string = DEFAULT_SUITES_DIR) {}

  names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(this.dir, d.name, 'manifest.json')))
      .map((d) => d.name)
      .sort();
  }

  load(name: string): Suite {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(name) || !this.names().includes(name)) {
      throw new AppError('EVAL_UNKNOWN_SUITE', `no eval suite ${name}`, { suite: name, known: this.names() });
    }
    const dir = join(this.dir, name);
    const mfile = join(dir, 'manifest.json');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(mfile, 'utf8'));
    } catch (e) {
      throw invalid(mfile, null, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const m = ManifestSchema.safeParse(raw);
    if (!m.success) throw invalid(mfile, null, issueText(m.error));
    const manifest = m.data;
    if (manifest.name !== name) throw invalid(mfile, null, `name ${manifest.name} does not match the folder ${name}`);
    if (manifest.kind === 'long-context' && !manifest.niah) throw invalid(mfile, null, 'a long-context suite needs niah: { lengths, depths, haystack }');
    const files: Array<[string, string]> = [];
    const items: SuiteItem[] = [];
    const schema = ITEM_SCHEMAS[manifest.kind] as unknown as z.ZodType<SuiteItem>;
    for (const f of manifest.files) {
      const path = join(dir, f);
      if (!existsSync(path)) throw invalid(mfile, null, `names ${f}, which does not exist`);
      const text = readFileSync(path, 'utf8');
      files.push([f, text]);
      items.push(...parseJsonl(text, schema, path));
    }
    let haystack: string | undefined;
    if (manifest.niah) {
      const path = join(dir, manifest.niah.haystack);
      if (!existsSync(path)) throw invalid(mfile, null, `names haystack ${manifest.niah.haystack}, which does not exist`);
      haystack = readFileSync(path, 'utf8');
      files.push([manifest.niah.haystack, haystack]);
    }
    if (items.length === 0) throw invalid(mfile, null, 'the suite has no items');
    const hash = suiteHash(manifest, files);
    if (manifest.hash && manifest.hash !== hash) throw invalid(mfile, null, `hash ${manifest.hash} does not match the files (${hash}): bump the version and update the hash when items change`);
    return { manifest, dir, hash, items, ...(haystack !== undefined ? { haystack } : {}) };
  }

  summaries(): EvalSuiteSummary[] {
    return this.names().flatMap((n) => {
      try {
        const s = this.load(n);
        return [{ name: n, version: s.manifest.version, kind: s.manifest.kind, description: s.manifest.description, items: itemCount(s), hash: s.hash }];
      } catch {
        return []; // a broken suite is reported when someone asks for it by name
      }
    });
  }
}

/** Items a run scores: the NIAH grid for long-context, otherwise the JSONL lines. */
export function itemCount(s: Suite): number {
  return s.manifest.niah ? s.manifest.niah.lengths.length * s.manifest.niah.depths.length : s.items.length;
}
