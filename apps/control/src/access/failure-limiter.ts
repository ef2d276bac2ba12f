/**
 * Failed authentications per client address in a fixed window. Past `limit` failures the
 * address is refused (AUTH_RATE_LIMITED) until its window ends, whatever it sends: guessing
 * tokens gets slow. Memory is bounded: past `maxKeys` addresses the oldest entry goes.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  fail(key: string): void {
    const t = this.now();
    const e = this.entries.get(key);
    if (!e || e.resetAt <= t) {
      this.entries.delete(key);
      if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { count: 1, resetAt: t + this.windowMs });
      return;
    }
    e.count++;
  }

  /** Milliseconds until the address may try again; 0 when it is not blocked. */
  blockedFor(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.resetAt - this.now();
    if (left <= 0) {
      this.entries.delete(key);
      return 0;
    }
    return e.count >= this.limit ? left : 0;
  }
}
