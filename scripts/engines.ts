// Does every package in pnpm-lock.yaml run on the Node version the project declares? A package
// whose `engines.node` excludes it only warns at install, then may break at run time on the
// oldest Node we promise (cookie 2 asked for Node 22 while we declare 20.19).

type Version = [number, number, number];

const parse = (v: string): Version | null => {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?/.exec(v.trim());
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined || s === 'x' || s === '*' ? 0 : Number(s));
  return [Number(m[1]), n(m[2]), n(m[3])];
};
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of a range (`>=20.19.0`, `^22.12.0`, `20`, `~18.1`); unknown forms admit. */
function admits(c: string, v: Version): boolean {
  const m = /^(>=|<=|>|<|\^|~|=)?\s*(.+)$/.exec(c);
  const want = m ? parse(m[2]!) : null;
  if (!m || !want) return true;
  const d = cmp(v, want);
  switch (m[1]) {
    case '>=': return d >= 0;
    case '>': return d > 0;
    case '<=': return d <= 0;
    case '<': return d < 0;
    case '^': return d >= 0 && v[0] === want[0];
    case '~': return d >= 0 && v[0] === want[0] && v[1] === want[1];
    default: return /^\d+$/.test(m[2]!.trim()) ? v[0] === want[0] : d === 0;
  }
}

/** `range` in npm's syntax (alternatives joined by `||`, comparators by spaces) admits `version`. */
export function rangeAdmits(range: string, version: string): boolean {
  const v = parse(version);
  if (!v) return true;
  return range.split('||').some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.length === 0 || parts.every((c) => admits(c, v));
  });
}

/** Lockfile packages whose `engines.node` excludes `minimum` (e.g. "20.19.0"). */
export function enginesExcluding(lockfile: string, minimum: string): string[] {
  const out: string[] = [];
  let pkg = '';
  for (const line of lockfile.split('\n')) {
    const head = /^ {2}'?([^\s'][^']*?)'?:\s*$/.exec(line);
    if (head) pkg = head[1]!;
    const eng = /^\s+engines: \{node: '?([^'}]+)'?\}/.exec(line);
    if (eng && !rangeAdmits(eng[1]!, minimum)) out.push(`${pkg} needs node ${eng[1]}`);
  }
  return out;
}
