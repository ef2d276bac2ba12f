import type { EvalCi } from '@boocontrol/contracts';

export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
export const ciText = (ci: EvalCi): string => `${pct(ci.low)} — ${pct(ci.high)}`;

/** A line diff (LCS) of an answer against its reference: what the drill-down shows. */
export function lineDiff(a: string, b: string): Array<{ op: 'same' | 'add' | 'del'; text: string }> {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 250_000) return [...x.map((t) => ({ op: 'del' as const, text: t })), ...y.map((t) => ({ op: 'add' as const, text: t }))];
  const dp = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) dp[i]![j] = x[i] === y[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: Array<{ op: 'same' | 'add' | 'del'; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ op: 'same', text: x[i]! });
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) out.push({ op: 'del', text: x[i++]! });
    else out.push({ op: 'add', text: y[j++]! });
  }
  while (i < x.length) out.push({ op: 'del', text: x[i++]! });
  while (j < y.length) out.push({ op: 'add', text: y[j++]! });
  return out;
}
