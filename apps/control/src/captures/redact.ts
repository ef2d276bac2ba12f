/**
 * Secret redaction for captures shown in the UI. llama-swap already masks Authorization,
 * Proxy-Authorization, Cookie, Set-Cookie and X-Api-Key; we mask again (older versions did not)
 * plus anything that looks like a credential, in headers and in JSON bodies.
 */
export const REDACTED = '[REDACTED]';

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-goog-api-key|openai-organization|anthropic-api-key)$|token|secret|password/i;
/** JSON keys holding credentials. Token *counts* (max_tokens, prompt_tokens…) are not secrets. */
const SECRET_KEY = /^(api[_-]?key|apikey|password|passwd|secret|client[_-]?secret|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|token|authorization|bearer|private[_-]?key)$/i;
/** Credential-shaped strings anywhere in text. */
const SECRET_TEXT: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\b(ghp|gho|ghu|ghs|github_pat)_[A-Za-z0-9_]{20,}/g,
  /\bhf_[A-Za-z0-9]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
];

export function redactHeaders(h: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const value = Array.isArray(v) ? v.join(', ') : String(v ?? '');
    out[k] = SECRET_HEADER.test(k) && value !== '' ? REDACTED : redactText(value);
  }
  return out;
}

export function redactText(text: string): string {
  let out = text;
  for (const re of SECRET_TEXT) out = out.replace(re, (m, scheme: string) => (typeof scheme === 'string' && /^(Bearer|Basic)$/.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED));
  return out;
}

function redactValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) && typeof val === 'string' && val !== '' ? REDACTED : redactValue(val);
    return out;
  }
  return typeof v === 'string' ? redactText(v) : v;
}

/** Redacts a body: JSON is walked key by key; SSE streams line by line; anything else as text. */
export function redactBody(body: string): string {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(redactValue(JSON.parse(body)), null, 2);
    } catch {
      // not JSON after all
    }
  }
  if (/^(data|event):/m.test(body)) {
    return body
      .split('\n')
      .map((line) => {
        const m = /^data:\s?(.*)$/.exec(line);
        if (!m || !m[1] || !m[1].startsWith('{')) return redactText(line);
        try {
          return `data: ${JSON.stringify(redactValue(JSON.parse(m[1])))}`;
        } catch {
          return redactText(line);
        }
      })
      .join('\n');
  }
  return redactText(body);
}
