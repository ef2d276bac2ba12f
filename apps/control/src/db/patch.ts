/**
 * The SET list of a partial update: columns whose value is undefined are left out, null clears.
 * Placeholders start after the parameters the caller already has (`$1` is usually the id).
 */
export function patchSet(columns: Record<string, unknown>, firstParam = 2): { sets: string[]; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [col, value] of Object.entries(columns)) {
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${col} = $${firstParam + params.length - 1}`);
  }
  return { sets, params };
}
