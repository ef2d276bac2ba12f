// Go-compatible time formatting: llama-swap serialises time.Time values, so timestamps use the
// server's local offset and print "Z" for a zero offset, and RFC3339Nano trims trailing zeros.

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function offset(d: Date): string {
  const off = -d.getTimezoneOffset();
  if (off === 0) return 'Z';
  const sign = off > 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

function base(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** RFC3339 with whole seconds (what the activity store returns). */
export function rfc3339(ms: number): string {
  const d = new Date(ms);
  return base(d) + offset(d);
}

/** RFC3339Nano as Go prints it: fractional seconds with trailing zeros removed. */
export function rfc3339Nano(ms: number): string {
  const d = new Date(ms);
  const frac = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1e6); // nanoseconds
  let f = '';
  if (frac > 0) f = '.' + String(frac).padStart(9, '0').replace(/0+$/, '');
  return base(d) + f + offset(d);
}

/** Parses RFC3339 (fractional seconds allowed); NaN when invalid. */
export function parseRfc3339(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, da, h, mi, se, frac, tz] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(se));
  if (frac) ms += Number(frac) * 1000; // keep sub-millisecond precision as a fraction
  if (tz && tz !== 'Z' && tz !== 'z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const [th, tm] = tz.slice(1).split(':');
    ms -= sign * (Number(th) * 60 + Number(tm)) * 60_000;
  }
  return ms;
}

/** Go's time.Duration.String(), used in access-log lines and error messages. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 0.001) return `${Math.round(ms * 1e6)}ns`;
  if (ms < 1) return `${trim((ms * 1000).toFixed(3))}µs`;
  if (ms < 1000) return `${trim(ms.toFixed(6))}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = `${trim(s.toFixed(9))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
