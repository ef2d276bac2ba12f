/**
 * Seeded randomness for reproducible runs: the same seed gives the same prompts and the same
 * arrival schedule, so two runs differ only by what the server did.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  /** mulberry32: uniform in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** standard normal (Box–Muller) */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Gamma(shape, scale) by Marsaglia–Tsang; shape < 1 uses the boost
   * Gamma(a) = Gamma(a + 1) · U^(1/a).
   */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
    }
  }
}

/**
 * Arrival offsets (ms from 0) of an open-loop process at `rate` requests/s over `durationMs`:
 * gamma gaps with shape = burstiness and mean 1/rate (vLLM --burstiness; 1 = Poisson).
 */
export function arrivals(rng: Rng, rate: number, burstiness: number, durationMs: number): number[] {
  const out: number[] = [];
  const scale = 1000 / (rate * burstiness);
  let t = 0;
  for (;;) {
    t += rng.gamma(burstiness, scale);
    if (t >= durationMs) return out;
    out.push(t);
  }
}
