// The sandbox as the eval engine sees it: a proven-or-refused capability and a small pool. It is
// checked once (the self-test) before any generated code runs; when bubblewrap is missing or
// blocked (a container's seccomp profile, user namespaces off) every run is refused with
// SANDBOX_UNAVAILABLE. There is no unsandboxed fallback, by design.
import { AppError } from '../../lib/errors';
import { findTools, runInSandbox, type SandboxRequest, type SandboxResult, type SandboxTools } from './bwrap';
import { runSelftest, type SelftestReport } from './selftest';

export interface SandboxState {
  available: boolean;
  reason: string | null;
  selftest: SelftestReport | null;
}

export class Sandbox {
  private tools: SandboxTools | null;
  private missing: string[];
  private report: SelftestReport | null = null;
  private checking: Promise<SelftestReport> | null = null;
  private running = 0;
  private readonly waiters: Array<() => void> = [];
  private nextUid = 0;
  private readonly uidBase: number;

  /** `pool`: sandboxes at once (2 cores here: more only queues CPU and changes verdicts). */
  constructor(readonly pool = 2, opts: { bwrap?: string | undefined } = {}) {
    const found = findTools(opts);
    this.tools = found.tools;
    this.missing = found.missing;
    // A fresh unprivileged uid per run (cycling through 4096 per process): NPROC then limits one
    // run, not all of them together, and a run never inherits a previous one's processes. (Where
    // PID 1 reaps orphans lazily, a finished sandbox can leave a zombie charged to its uid.)
    this.uidBase = 100_000 + (process.pid % 1024) * 4096;
  }

  state(): SandboxState {
    if (!this.tools) return { available: false, reason: `missing: ${this.missing.join(', ')}`, selftest: null };
    if (!this.report) return { available: false, reason: 'self-test not run yet', selftest: null };
    return { available: this.report.passed, reason: this.report.passed ? null : this.report.failures.join('; '), selftest: this.report };
  }

  /** Runs the hostile-program self-test (once; later calls get the same report unless forced). */
  selftest(force = false): Promise<SelftestReport> {
    if (!this.tools) return Promise.resolve({ passed: false, failures: [`missing: ${this.missing.join(', ')}`], checks: [], at: new Date().toISOString(), coldStartMs: null });
    if (this.checking && !force) return this.checking;
    const tools = this.tools;
    this.checking = runSelftest((req) => this.withSlot((uid) => runInSandbox(tools, { ...req, uid }))).then((r) => (this.report = r));
    return this.checking;
  }

  /** Refuses unless the self-test passed: generated code runs only in a proven sandbox. */
  async ensure(): Promise<void> {
    if (!this.tools) throw new AppError('SANDBOX_UNAVAILABLE', `code evals need bubblewrap; missing: ${this.missing.join(', ')}`);
    const r = this.report ?? (await this.selftest());
    if (!r.passed) throw new AppError('SANDBOX_UNAVAILABLE', `the sandbox self-test failed: ${r.failures.join('; ')}`, { selftest: r });
  }

  async run(req: Omit<SandboxRequest, 'uid'>): Promise<SandboxResult> {
    await this.ensure();
    const tools = this.tools as SandboxTools;
    return this.withSlot((uid) => runInSandbox(tools, { ...req, uid }));
  }

  private async withSlot<T>(fn: (uid: number) => Promise<T>): Promise<T> {
    // a released slot is handed straight to the next waiter, so `running` never exceeds the pool
    if (this.running >= this.pool) await new Promise<void>((r) => this.waiters.push(r));
    else this.running++;
    const uid = this.uidBase + (this.nextUid++ % 4096);
    try {
      return await fn(uid);
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.running--;
    }
  }
}
