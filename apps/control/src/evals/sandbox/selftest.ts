// The sandbox proves itself before any generated code runs (control start-up, `boo eval selftest`):
// hostile programs must be contained and a canonical solution must pass. Egress is tested against
// a listener on this machine's loopback: if the sandbox leaked the network the connection would
// arrive there, so the proof needs no outside address.
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { SandboxRequest, SandboxResult } from './bwrap';

export interface SelftestCheck {
  name: string;
  passed: boolean;
  status: string;
  detail: string;
  wallMs: number;
}

export interface SelftestReport {
  passed: boolean;
  failures: string[];
  checks: SelftestCheck[];
  at: string;
  /** wall time of a trivial sandboxed Python program (sandbox + interpreter start) */
  coldStartMs: number | null;
}

type Run = (req: Omit<SandboxRequest, 'uid'>) => Promise<SandboxResult>;

// short: it runs at every start, and an infinite loop waits it out
const LIMITS = { timeoutMs: 1500, memoryMb: 256, maxProcs: 16, maxOutputBytes: 16 * 1024, diskMb: 8 };

/** The hostile programs (shared with the tests, which also run them one by one). */
export const HOSTILE = {
  egress: (port: number) => `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=1)\n    print("CONNECTED")\nexcept OSError as e:\n    print("blocked", e)\n`,
  writeOutside: (canary: string) =>
    `import os\nfor p in ["/usr/${canary}", "/etc/${canary}", "/root/${canary}", "/${canary}"]:\n    try:\n        open(p, "w").write("x")\n        print("WROTE", p)\n    except OSError as e:\n        print("denied", p, e.errno)\nopen("/tmp/${canary}", "w").write("inside only")\n`,
  readOutside: `import os\nfor p in ["/etc/passwd", "/etc/shadow", "/root", "/home", "/var/lib/postgresql"]:\n    print(p, "VISIBLE" if os.path.exists(p) else "absent")\n`,
  forkBomb: `import os\nn = 0\nwhile True:\n    try:\n        os.fork()\n        n += 1\n    except OSError:\n        break\n`,
  memoryHog: `blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))\n`,
  infiniteLoop: `while True:\n    pass\n`,
  hugeOutput: `import sys\nwhile True:\n    sys.stdout.write("x" * 65536)\n`,
  killParent: `import os, signal\nfor pid in [os.getppid(), 1]:\n    try:\n        os.kill(pid, signal.SIGKILL)\n        print("sent", pid)\n    except OSError as e:\n        print("refused", pid, e.errno)\nprint("still here")\n`,
  canonicalPython: `def add(a, b):\n    return a + b\n\nassert add(2, 3) == 5\nprint("PASS")\n`,
  canonicalJs: `const assert = require('node:assert');\nfunction add(a, b) { return a + b; }\nassert.strictEqual(add(2, 3), 5);\nprocess.stdout.write('PASS\\n');\n`,
};

async function check(name: string, run: () => Promise<SandboxResult>, ok: (r: SandboxResult) => string | null): Promise<SelftestCheck> {
  try {
    const r = await run();
    const why = ok(r);
    return { name, passed: why === null, status: r.status, detail: why ?? `${r.status}: ${(r.stdout + r.stderr).slice(0, 200).trim()}`, wallMs: Math.round(r.wallMs) };
  } catch (e) {
    return { name, passed: false, status: 'error', detail: e instanceof Error ? e.message : String(e), wallMs: 0 };
  }
}

export async function runSelftest(run: Run): Promise<SelftestReport> {
  const listener = createServer((s) => {
    leaked = true;
    s.destroy();
  });
  let leaked = false;
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as AddressInfo).port;
  const canary = `boo-sandbox-canary-${randomBytes(6).toString('hex')}`;
  const py = (program: string) => () => run({ language: 'python', program, limits: LIMITS });
  try {
    const checks: SelftestCheck[] = [];
    const cold = await check('canonical Python solution passes', py(HOSTILE.canonicalPython), (r) => (r.status === 'ok' && r.stdout.includes('PASS') ? null : `expected PASS, got ${r.status}: ${r.stderr.slice(0, 300)}`));
    checks.push(cold);
    checks.push(await check('canonical JavaScript solution passes', () => run({ language: 'javascript', program: HOSTILE.canonicalJs, limits: { ...LIMITS, memoryMb: 512 } }), (r) => (r.status === 'ok' && r.stdout.includes('PASS') ? null : `expected PASS, got ${r.status}: ${r.stderr.slice(0, 300)}`)));
    checks.push(await check('network egress fails', py(HOSTILE.egress(port)), (r) => (leaked || r.stdout.includes('CONNECTED') ? 'a connection reached the host loopback' : r.stdout.includes('blocked') ? null : `unexpected: ${r.status}`)));
    checks.push(
      await check('writes outside the work dir fail', py(HOSTILE.writeOutside(canary)), (r) => {
        if (r.stdout.includes('WROTE')) return `a write outside /work succeeded: ${r.stdout.trim()}`;
        for (const p of [`/usr/${canary}`, `/etc/${canary}`, `/root/${canary}`, `/${canary}`, `/tmp/${canary}`]) if (existsSync(p)) return `${p} appeared on the host`;
        return r.stdout.includes('denied') ? null : `unexpected: ${r.status}`;
      }),
    );
    checks.push(await check('host files are not visible', py(HOSTILE.readOutside), (r) => (r.stdout.includes('VISIBLE') ? `visible: ${r.stdout.trim()}` : r.status === 'ok' ? null : `unexpected: ${r.status}`)));
    checks.push(await check('a fork bomb is contained', py(HOSTILE.forkBomb), (r) => (r.wallMs < LIMITS.timeoutMs + 2000 ? null : 'the fork bomb outlived the timeout')));
    checks.push(await check('a memory hog is contained', py(HOSTILE.memoryHog), (r) => (r.status === 'memory' || r.status === 'killed' ? null : `expected memory, got ${r.status}`)));
    checks.push(await check('an infinite loop times out', py(HOSTILE.infiniteLoop), (r) => (r.status === 'timeout' || r.status === 'cpu-limit' ? null : `expected timeout, got ${r.status}`)));
    checks.push(await check('huge output is capped', py(HOSTILE.hugeOutput), (r) => (r.status === 'output-limit' && r.stdout.length <= LIMITS.maxOutputBytes ? null : `expected output-limit, got ${r.status} with ${r.stdout.length} bytes`)));
    checks.push(await check('killing the parent does not escape', py(HOSTILE.killParent), (r) => (r.stdout.includes('still here') || r.status === 'killed' ? null : `unexpected: ${r.status}`)));
    const failures = checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
    return { passed: failures.length === 0, failures, checks, at: new Date().toISOString(), coldStartMs: cold.passed ? cold.wallMs : null };
  } finally {
    listener.close();
  }
}
