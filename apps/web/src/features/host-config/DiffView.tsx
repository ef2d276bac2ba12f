/** A unified diff, colored per line. */
export function DiffView({ diff }: { diff: string }) {
  if (!diff) return <p className="muted small">No changes.</p>;
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <pre className="hc-diff mono" data-testid="config-diff">
      {lines.map((l, i) => {
        const kind = l.startsWith('+++') || l.startsWith('---') ? 'file' : l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('\\') ? 'note' : 'ctx';
        return (
          <div key={i} className={`hc-diff-${kind}`} data-kind={kind}>
            {l || ' '}
          </div>
        );
      })}
    </pre>
  );
}
