export function Placeholder({ title, note }: { title: string; note: string }) {
  return (
    <div className="placeholder" data-testid={`view-${title.toLowerCase()}`}>
      <h2>{title}</h2>
      <p>{note}</p>
    </div>
  );
}
