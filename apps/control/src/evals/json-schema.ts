// A small JSON Schema validator for utility suites: the keywords tool and structured-output
// schemas use (type, properties, required, additionalProperties, items, enum, const, min/max,
// minLength/maxLength, minItems/maxItems, pattern, anyOf). Anything else in a schema is ignored,
// and the suite docs say so; errors name the JSON path.
type Schema = Record<string, unknown>;

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v);

function typeOk(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return t === actual || (t === 'number' && actual === 'integer');
}

export function validateJson(value: unknown, schema: Schema, path = '$'): string[] {
  const errs: string[] = [];
  const t = schema.type;
  if (typeof t === 'string' && !typeOk(value, t)) return [`${path}: expected ${t}, got ${typeOf(value)}`];
  if (Array.isArray(t) && !t.some((x) => typeOk(value, String(x)))) return [`${path}: expected one of ${t.join('|')}, got ${typeOf(value)}`];
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errs.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errs.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => validateJson(value, s as Schema, path).length === 0)) errs.push(`${path}: matches none of anyOf`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${path}: above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errs.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errs.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === 'object') value.forEach((v, i) => errs.push(...validateJson(v, schema.items as Schema, `${path}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of Array.isArray(schema.required) ? schema.required : []) if (!(String(r) in o)) errs.push(`${path}: missing ${String(r)}`);
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...validateJson(v, props[k], `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unexpected property ${k}`);
    }
  }
  return errs;
}

/** The JSON in a model's answer: the whole text, else a fenced block, else the outermost {…}. */
export function extractJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const tries = [text.trim(), /```(?:json)?\s*\n([\s\S]*?)```/.exec(text)?.[1]?.trim(), text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  for (const t of tries) {
    if (!t) continue;
    try {
      return { ok: true, value: JSON.parse(t) };
    } catch {
      // try the next shape
    }
  }
  return { ok: false, error: 'no parseable JSON in the answer' };
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
