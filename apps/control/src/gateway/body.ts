import { AppError } from '../lib/errors';

/**
 * Request bodies are forwarded as the bytes the client sent. The only change the gateway makes
 * is the value of the top-level `model`, spliced in place: the rest (key order, whitespace,
 * number formatting, unicode escapes) stays byte for byte.
 */
export interface ParsedBody {
  raw: Buffer;
  json: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** byte span of the top-level `model` value (the quotes included) */
  span: [number, number];
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Index just past the JSON string starting at `i` (a `"`). */
function skipString(b: Buffer, i: number): number {
  for (let j = i + 1; j < b.length; j++) {
    const c = b[j];
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** Index just past the JSON value starting at `i`. UTF-8 never puts ASCII bytes inside a multi-byte sequence. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; j++) {
      const d = b[j];
      if (d === 0x22) {
        j = skipString(b, j) - 1;
        if (j < 0) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < b.length && b[j] !== 0x2c && b[j] !== 0x7d && !WS.has(b[j]!)) j++;
  return j;
}

/** Byte span of the last top-level `model` value in a valid JSON object, or undefined. */
export function modelSpan(b: Buffer): [number, number] | undefined {
  let i = 0;
  const ws = () => {
    while (i < b.length && WS.has(b[i]!)) i++;
  };
  ws();
  if (b[i] !== 0x7b) return undefined;
  i++;
  let found: [number, number] | undefined;
  for (;;) {
    ws();
    if (b[i] === 0x7d || i >= b.length) return found;
    if (b[i] !== 0x22) return found;
    const keyStart = i;
    i = skipString(b, i);
    if (i < 0) return found;
    const key = b.subarray(keyStart, i);
    ws();
    i++; // ':'
    ws();
    const vStart = i;
    i = skipValue(b, i);
    if (i < 0) return found;
    if (key.length === 7 && key.toString('latin1') === '"model"') found = [vStart, i];
    else if (key.includes(0x5c) && JSON.parse(key.toString('utf8')) === 'model') found = [vStart, i];
    ws();
    if (b[i] === 0x2c) i++;
  }
}

/** Parses a /v1 body: valid JSON, an object, a string `model`. Anything else is a typed 400. */
export function parseBody(raw: Buffer): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new AppError('BAD_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new AppError('VALIDATION', 'the request body must be a JSON object');
  const body = json as Record<string, unknown>;
  if (typeof body.model !== 'string' || body.model.length === 0) throw new AppError('VALIDATION', 'the request needs a "model" (a model name, host/model or auto:<policy>)', { param: 'model' });
  const span = modelSpan(raw);
  if (!span) throw new AppError('VALIDATION', 'cannot locate "model" in the request body');
  return { raw, json: body, model: body.model, stream: body.stream === true, span };
}

/** The body with `model` replaced (the same buffer when the model is unchanged). */
export function withModel(b: ParsedBody, model: string): Buffer {
  if (model === b.model) return b.raw;
  return Buffer.concat([b.raw.subarray(0, b.span[0]), Buffer.from(JSON.stringify(model)), b.raw.subarray(b.span[1])]);
}

/** Rough prompt size (≈ 4 characters a token) plus the requested output, for context filters. */
export function estimateTokens(json: Record<string, unknown>, rawBytes: number): number {
  const max = [json.max_tokens, json.max_completion_tokens, json.n_predict].find((v) => typeof v === 'number') as number | undefined;
  return Math.ceil(rawBytes / 4) + (max && max > 0 ? max : 0);
}
