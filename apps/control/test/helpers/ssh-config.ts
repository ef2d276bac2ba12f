import { readFileSync } from 'node:fs';
import { isAppError } from '../../src/lib/errors';

/** Polls until `fn` returns something truthy (no sleeps in tests: wait for the condition). */
export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The typed error a promise rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (!isAppError(err)) throw err;
    return { code: err.code, message: err.message, details: (err.details ?? {}) as Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}

/** Whether a local pid is a live (non-zombie) process; sshd runs on 127.0.0.1, so remote = local. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/**
 * Bytes that break naive transports: quotes of both kinds, `$`, `$(…)`, backticks, backslashes,
 * lines that are exactly `EOF` / `'EOF'` (heredoc terminators), CRLF, a tab, non-ASCII, and no
 * final newline. Not YAML; used where only the transport is under test.
 */
export const HOSTILE_CONFIG = Buffer.from(
  [
    `# it's "quoted" $HOME $(id) \`whoami\` \\ back\\slash \\n`,
    'EOF',
    "'EOF'",
    'cat <<EOF',
    `printf '%s' "$1"; rm -rf ~`,
    'EOF',
    'crlf line\r',
    'tab\there',
    'ünïcödé — 日本語 ✓ 🚀',
    '%s %d %n',
    'no final newline',
  ].join('\n'),
  'utf8',
);

/** A valid llama-swap config with the same hostile characters, for the apply flow. */
export function hostileYaml(marker = 'ok'): string {
  return [
    `# héllo wörld — ünïcödé ✓ 日本語 🚀 marker=${marker}`,
    'healthCheckTimeout: 30',
    'macros:',
    `  q: "it's \\"quoted\\" $HOME \`id\` $(id) \\\\ back\\\\slash"`,
    'models:',
    `  "m'1":`,
    '    cmd: |',
    `      /bin/llama-server --port \${PORT} -m '/models/it'"'"'s.gguf' \\`,
    '        --alias "$(id)" `whoami` \\n',
    '      EOF',
    `    name: "EOF"`,
    `    description: 'single ''quoted'' $x'`,
    '    ttl: 60',
    '  other:',
    '    cmd: /bin/llama-server --port ${PORT}',
    '',
  ].join('\n');
}
