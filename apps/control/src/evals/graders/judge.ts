// The judge's prompts and verdict parsing, after FastChat llm_judge (methodology §2.1): single
// grading 1–10 as [[rating]] (reference-guided for math, reasoning and coding), pairwise [[A]] /
// [[B]] / [[C]] judged in both orders, a win only when both orders agree.
import type { ChatMessage } from '../client';

export const NEED_REF = new Set(['math', 'reasoning', 'coding']);

const SYSTEM_SINGLE =
  'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".';
const SYSTEM_SINGLE_REF =
  'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider correctness and helpfulness. You will be given a reference answer and the assistant\'s answer. Begin your evaluation by comparing the assistant\'s answer with the reference answer. Identify and correct any mistakes. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".';
const SYSTEM_PAIR =
  'Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. You should choose the assistant that follows the user\'s instructions and answers the user\'s question better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. Begin your evaluation by comparing the two responses and provide a short explanation. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible. After providing your explanation, output your final verdict by strictly following this format: "[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.';

export interface Conversation {
  turns: string[];
  answers: string[];
}

function transcript(c: Conversation, label = 'Assistant'): string {
  if (c.turns.length === 1) return `[Question]\n${c.turns[0]}\n\n[The Start of ${label}'s Answer]\n${c.answers[0] ?? ''}\n[The End of ${label}'s Answer]`;
  const lines = c.turns.map((t, i) => `### User:\n${t}\n\n### ${label}:\n${c.answers[i] ?? ''}`).join('\n\n');
  return `<|The Start of ${label}'s Conversation with User|>\n\n${lines}\n\n<|The End of ${label}'s Conversation with User|>\n\nFocus on the assistant's answer to the second user question.`;
}

export function singlePrompt(c: Conversation, reference?: string): ChatMessage[] {
  const ref = reference ? `[The Start of Reference Answer]\n${reference}\n[The End of Reference Answer]\n\n` : '';
  return [
    { role: 'system', content: reference ? SYSTEM_SINGLE_REF : SYSTEM_SINGLE },
    { role: 'user', content: `${ref}${transcript(c)}` },
  ];
}

export function pairPrompt(question: string, a: string, b: string): ChatMessage[] {
  return [
    { role: 'system', content: SYSTEM_PAIR },
    { role: 'user', content: `[User Question]\n${question}\n\n[The Start of Assistant A's Answer]\n${a}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n${b}\n[The End of Assistant B's Answer]` },
  ];
}

/** `[[7]]`, else the looser `[7]` (FastChat's two regexes); null when the judge gave no rating. */
export function parseRating(text: string): number | null {
  const m = /\[\[(\d+\.?\d*)\]\]/.exec(text) ?? /\[(\d+\.?\d*)\]/.exec(text);
  if (!m) return null;
  const r = Number(m[1]);
  return r >= 1 && r <= 10 ? r : null;
}

export type PairVerdict = 'A' | 'B' | 'tie' | 'error';

export function parsePair(text: string): PairVerdict {
  if (text.includes('[[A]]')) return 'A';
  if (text.includes('[[B]]')) return 'B';
  if (text.includes('[[C]]')) return 'tie';
  return 'error';
}

/**
 * Both orders of one comparison of X against Y: order 1 shows X as A, order 2 shows X as B.
 * `consistent`: both orders name the same answer (or both a tie). The conservative outcome counts
 * a win only when both orders agree; anything else is a tie.
 */
export function combine(first: PairVerdict, second: PairVerdict): { outcome: 'win' | 'loss' | 'tie'; consistent: boolean } {
  const x1 = first === 'A' ? 'x' : first === 'B' ? 'y' : first;
  const x2 = second === 'B' ? 'x' : second === 'A' ? 'y' : second;
  const consistent = x1 === x2 && x1 !== 'error';
  if (consistent && x1 === 'x') return { outcome: 'win', consistent };
  if (consistent && x1 === 'y') return { outcome: 'loss', consistent };
  return { outcome: 'tie', consistent };
}
