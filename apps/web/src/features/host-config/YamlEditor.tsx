import { forwardRef, useImperativeHandle, useMemo, useRef } from 'react';
import type { ConfigIssue } from '@boocontrol/contracts';

export interface YamlEditorHandle {
  /** Puts the cursor at the start of a 1-based line and scrolls to it. */
  goToLine(line: number): void;
}

/** A textarea with a line-number gutter that marks lines with errors (red) and warnings (amber). */
export const YamlEditor = forwardRef<YamlEditorHandle, { value: string; onChange(v: string): void; issues: ConfigIssue[]; readOnly?: boolean }>(function YamlEditor(
  { value, onChange, issues, readOnly },
  ref,
) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = useMemo(() => value.split('\n').length, [value]);
  const marks = useMemo(() => {
    const m = new Map<number, 'error' | 'warning'>();
    for (const i of issues) if (i.line && (i.severity === 'error' || !m.has(i.line))) m.set(i.line, i.severity);
    return m;
  }, [issues]);

  useImperativeHandle(ref, () => ({
    goToLine(line: number) {
      const el = area.current;
      if (!el) return;
      const lines = value.split('\n');
      const offset = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
      el.focus();
      el.setSelectionRange(offset, offset);
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
      el.scrollTop = Math.max(0, (line - 4) * lineHeight);
    },
  }));

  return (
    <div className="hc-editor">
      <div className="hc-gutter mono" ref={gutter} aria-hidden>
        {Array.from({ length: lineCount }, (_, i) => (
          <div key={i} className={`hc-ln ${marks.get(i + 1) ?? ''}`}>
            {i + 1}
          </div>
        ))}
      </div>
      <textarea
        ref={area}
        className="hc-textarea mono"
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        wrap="off"
        aria-label="llama-swap config.yaml"
        data-testid="config-editor"
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onKeyDown={(e) => {
          // Tab inserts two spaces (YAML has no tabs) instead of leaving the editor.
          if (e.key !== 'Tab' || e.shiftKey || readOnly) return;
          e.preventDefault();
          const el = e.currentTarget;
          const { selectionStart: s, selectionEnd: t } = el;
          onChange(`${value.slice(0, s)}  ${value.slice(t)}`);
          requestAnimationFrame(() => el.setSelectionRange(s + 2, s + 2));
        }}
      />
    </div>
  );
});
