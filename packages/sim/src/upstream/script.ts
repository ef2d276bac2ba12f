// Scripted answers (per model `script`): eval harnesses need a model that gives a known reply to a
// known prompt (a correct or a wrong solution, a judge verdict, a JSON object), so that a suite's
// score can be checked against the right answer. Only the text changes: token counts, timings,
// streaming shapes and telemetry are produced exactly as for the pseudo-word replies.
import type { SimScript, SimScriptRequest, SimScriptRule } from '../timing';

export class ScriptError extends Error {}

/** Every message's text content, in order (string contents and text parts). */
function messagesOf(body: Record<string, unknown>): Array<{ role: string; content: string }> {
  if (!Array.isArray(body.messages)) return [];
  return body.messages.flatMap((m: unknown) => {
    if (!m || typeof m !== 'object') return [];
    const o = m as Record<string, unknown>;
    const c = o.content;
    const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : typeof p === 'string' ? p : '')).join('') : '';
    return [{ role: typeof o.role === 'string' ? o.role : 'user', content: text }];
  });
}

/** What a script sees of a request: the messages, the plain prompt, and all of it as one text. */
export function scriptRequest(model: string, body: Record<string, unknown>): SimScriptRequest {
  const messages = messagesOf(body);
  const prompt = typeof body.prompt === 'string' ? body.prompt : typeof body.content === 'string' ? body.content : '';
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? prompt;
  const text = [...messages.map((m) => m.content), prompt].filter((s) => s.length > 0).join('\n');
  return { model, messages, prompt, lastUser, text, body };
}

function ruleMatches(rule: SimScriptRule, text: string): boolean {
  if (rule.match !== undefined && !text.includes(rule.match)) return false;
  if (rule.regex !== undefined && !new RegExp(rule.regex, rule.flags ?? '').test(text)) return false;
  return true;
}

/** The scripted reply for a request, or null when no rule matches (pseudo-words then, as usual). */
export function scriptedReply(script: SimScript, model: string, body: Record<string, unknown>): string | null {
  const req = scriptRequest(model, body);
  if (typeof script === 'function') {
    let out: unknown;
    try {
      out = script(req);
    } catch (e) {
      throw new ScriptError(`script function threw: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (out === undefined || out === null) return null;
    if (typeof out !== 'string') throw new ScriptError('script function must return a string, null or undefined');
    return out;
  }
  for (const rule of script) if (ruleMatches(rule, req.text)) return rule.reply;
  return null;
}

/**
 * Splits a reply into tokens that keep their whitespace (each piece carries the whitespace before
 * it), so the streamed chunks concatenate to exactly the scripted text — newlines and indentation
 * of code included. One piece is one token, as one word is elsewhere in the simulator.
 */
export function replyPieces(text: string): string[] {
  const pieces: string[] = text.match(/\s*\S+/g) ?? [];
  const tail = /\s+$/.exec(text)?.[0];
  if (tail && pieces.length > 0) pieces[pieces.length - 1] += tail;
  else if (tail) pieces.push(tail);
  return pieces;
}

/** Config-time check of a rule list (a function is checked per request). */
export function checkScript(model: string, s: unknown): SimScript | null {
  if (s === undefined || s === null) return null;
  if (typeof s === 'function') return s as SimScript;
  if (!Array.isArray(s)) throw new ScriptError(`model "${model}": script must be a list of rules or a function`);
  return s.map((r: unknown, i) => {
    const rule = r as Partial<SimScriptRule> | null;
    const where = `model "${model}" script rule ${i}`;
    if (!rule || typeof rule !== 'object') throw new ScriptError(`${where} is not an object`);
    if (typeof rule.reply !== 'string') throw new ScriptError(`${where}: reply must be a string`);
    if (rule.match !== undefined && typeof rule.match !== 'string') throw new ScriptError(`${where}: match must be a string`);
    if (rule.regex !== undefined) {
      try {
        new RegExp(String(rule.regex), rule.flags ?? '');
      } catch (e) {
        throw new ScriptError(`${where}: bad regex: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return rule as SimScriptRule;
  });
}
