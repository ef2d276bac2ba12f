/**
 * A small line-based unified diff (Myers' O(ND) algorithm after trimming the common prefix and
 * suffix). Output follows `diff -u`: `---`/`+++` headers, `@@ -a,b +c,d @@` hunks with `context`
 * lines around changes, and `\ No newline at end of file` where a side lacks the final newline.
 */

export type EditOp = { kind: 'equal' | 'delete' | 'insert'; line: string };

export interface DiffResult {
  /** The unified diff; '' when the texts are identical. */
  text: string;
  added: number;
  removed: number;
}

const NO_EOL = '\\ No newline at end of file';

interface Line {
  text: string;
  /** True for the last line of a text that does not end with a newline. */
  noEol: boolean;
}

function splitLines(s: string): Line[] {
  if (s === '') return [];
  const parts = s.split('\n');
  const endsWithNl = parts[parts.length - 1] === '';
  if (endsWithNl) parts.pop();
  return parts.map((text, i) => ({ text, noEol: !endsWithNl && i === parts.length - 1 }));
}

const same = (a: Line, b: Line) => a.text === b.text && a.noEol === b.noEol;

/** Shortest edit script between two line arrays (Myers). */
function myers(a: Line[], b: Line[]): Array<{ kind: EditOp['kind']; line: Line }> {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))) x = v[offset + k + 1] ?? 0;
      else x = (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && same(a[x]!, b[y]!)) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  // Walk the trace backwards to recover the script.
  const ops: Array<{ kind: EditOp['kind']; line: Line }> = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'equal', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: 'insert', line: b[y - 1]! });
      else ops.push({ kind: 'delete', line: a[x - 1]! });
      x = prevX;
      y = prevY;
    }
  }
  return ops.reverse();
}

function editScript(a: Line[], b: Line[]): Array<{ kind: EditOp['kind']; line: Line }> {
  let pre = 0;
  while (pre < a.length && pre < b.length && same(a[pre]!, b[pre]!)) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && same(a[a.length - 1 - suf]!, b[b.length - 1 - suf]!)) suf++;
  const middle = myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf));
  return [
    ...a.slice(0, pre).map((line) => ({ kind: 'equal' as const, line })),
    ...middle,
    ...a.slice(a.length - suf).map((line) => ({ kind: 'equal' as const, line })),
  ];
}

/** Line-level edit operations from `a` to `b` (for a side-by-side or colored view). */
export function diffLines(a: string, b: string): EditOp[] {
  return editScript(splitLines(a), splitLines(b)).map((op) => ({ kind: op.kind, line: op.line.text }));
}

export function unifiedDiff(a: string, b: string, opts: { fromName?: string; toName?: string; context?: number } = {}): DiffResult {
  const ctx = opts.context ?? 3;
  const ops = editScript(splitLines(a), splitLines(b));
  const added = ops.filter((o) => o.kind === 'insert').length;
  const removed = ops.filter((o) => o.kind === 'delete').length;
  if (added === 0 && removed === 0) return { text: '', added, removed };

  // Positions (1-based line numbers in a and b) before each op.
  const posA: number[] = [];
  const posB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const op of ops) {
    posA.push(la);
    posB.push(lb);
    if (op.kind !== 'insert') la++;
    if (op.kind !== 'delete') lb++;
  }

  // Group changes into hunks: a change plus `ctx` equal lines around it; close gaps <= 2*ctx.
  const out: string[] = [`--- ${opts.fromName ?? 'a/config.yaml'}`, `+++ ${opts.toName ?? 'b/config.yaml'}`];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === 'equal') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - ctx);
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== 'equal') end++;
      let run = 0;
      while (end + run < ops.length && ops[end + run]!.kind === 'equal') run++;
      if (end + run >= ops.length || run > 2 * ctx) {
        end = Math.min(ops.length, end + Math.min(run, ctx));
        break;
      }
      end += run;
    }
    const slice = ops.slice(start, end);
    const aCount = slice.filter((o) => o.kind !== 'insert').length;
    const bCount = slice.filter((o) => o.kind !== 'delete').length;
    const aStart = aCount === 0 ? posA[start]! - 1 : posA[start]!;
    const bStart = bCount === 0 ? posB[start]! - 1 : posB[start]!;
    out.push(`@@ -${aStart}${aCount === 1 ? '' : `,${aCount}`} +${bStart}${bCount === 1 ? '' : `,${bCount}`} @@`);
    for (const op of slice) {
      out.push(`${op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+'}${op.line.text}`);
      if (op.line.noEol) out.push(NO_EOL);
    }
    i = end;
  }
  return { text: `${out.join('\n')}\n`, added, removed };
}
