import type { ReactNode } from 'react';

const FG: Record<number, string> = {
  30: '#5c6773', 31: '#ff5470', 32: '#3ef08a', 33: '#ffb547', 34: '#5aa9ff', 35: '#d38cff', 36: '#35d0ff', 37: '#d6e2ee',
  90: '#6f8397', 91: '#ff7d93', 92: '#7cffc4', 93: '#ffd27a', 94: '#8cc4ff', 95: '#e6b3ff', 96: '#8fe6ff', 97: '#ffffff',
};

interface Style {
  color?: string | undefined;
  bold?: boolean;
  dim?: boolean;
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[([0-9;]*)m/g;
// eslint-disable-next-line no-control-regex
const OTHER_ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

function applyCodes(style: Style, codes: string): Style {
  const next = { ...style };
  for (const raw of codes === '' ? ['0'] : codes.split(';')) {
    const c = Number(raw);
    if (c === 0) {
      delete next.color;
      next.bold = false;
      next.dim = false;
    } else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 22) next.bold = next.dim = false;
    else if (c === 39) delete next.color;
    else if (FG[c]) next.color = FG[c];
  }
  return next;
}

function highlight(text: string, query: string, key: string): ReactNode {
  if (!query) return text;
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const out: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(q); at !== -1; at = lower.indexOf(q, from)) {
    if (at > from) out.push(text.slice(from, at));
    out.push(
      <mark key={`${key}-${at}`} className="hit">
        {text.slice(at, at + q.length)}
      </mark>,
    );
    from = at + q.length;
  }
  if (from === 0) return text;
  out.push(text.slice(from));
  return out;
}

/** One log line with its ANSI colours as spans, and search hits marked. */
export function renderAnsi(line: string, query: string): ReactNode {
  if (!line.includes('\x1b')) return highlight(line, query, 'p');
  const out: ReactNode[] = [];
  let style: Style = {};
  let last = 0;
  let n = 0;
  const push = (text: string) => {
    const clean = text.replace(OTHER_ESCAPES, '');
    if (!clean) return;
    const k = `s${n++}`;
    out.push(
      <span key={k} style={{ color: style.color, fontWeight: style.bold ? 700 : undefined, opacity: style.dim ? 0.65 : undefined }}>
        {highlight(clean, query, k)}
      </span>,
    );
  };
  for (const m of line.matchAll(SGR)) {
    push(line.slice(last, m.index));
    style = applyCodes(style, m[1] ?? '');
    last = m.index + m[0].length;
  }
  push(line.slice(last));
  return out;
}

/** The line as plain text (for search). */
export const stripAnsi = (line: string) => line.replace(OTHER_ESCAPES, '');
