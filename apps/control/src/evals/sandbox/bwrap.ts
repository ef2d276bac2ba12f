// One sandboxed program run: bubblewrap (namespaces: no network, own PID/IPC/UTS/mount/user;
// read-only /usr; a size-capped tmpfs work dir; cleared environment), under prlimit limits
// (memory, CPU seconds, processes, file size, open files, no core dumps), a wall-clock kill and
// output caps. Generated code never reaches a shell: every argument is an array element, and the
// program text goes in through a pipe that bwrap copies into the tmpfs (`--file FD DEST`).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';

export type SandboxLanguage = 'python' | 'javascript';

export interface SandboxLimits {
  /** wall clock, ms: the whole sandbox is killed after it */
  timeoutMs: number;
  /** writable data (RLIMIT_DATA), MB */
  memoryMb: number;
  /** processes and threads the sandbox may have at once */
  maxProcs: number;
  /** stdout and stderr each; more kills the run (`output-limit`) */
  maxOutputBytes: number;
  /** size of the tmpfs work dir and of any one file, MB */
  diskMb: number;
}

export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 10_000, memoryMb: 512, maxProcs: 32, maxOutputBytes: 64 * 1024, diskMb: 16 };

export interface SandboxRequest {
  language: SandboxLanguage;
  /** the program (written to /work/main.py or /work/main.js) */
  program: string;
  /** extra files in /work, name → text (names without slashes) */
  files?: Record<string, string>;
  stdin?: string;
  limits?: Partial<SandboxLimits>;
  /** the uid to run as when control is root (a distinct one per concurrent run keeps NPROC per run) */
  uid?: number;
}

export type SandboxStatus = 'ok' | 'failed' | 'timeout' | 'memory' | 'output-limit' | 'cpu-limit' | 'killed' | 'sandbox-error';

export interface SandboxResult {
  status: SandboxStatus;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** which limit ended the run, if one did */
  limit?: 'timeout' | 'output' | undefined;
}

export interface SandboxTools {
  bwrap: string;
  prlimit: string;
  python: string | null;
  node: string | null;
}

const which = (candidates: string[]): string | null => candidates.find((p) => existsSync(p)) ?? null;

/** The binaries the sandbox uses; Debian's interpreters, never a user's shims outside /usr. */
export function findTools(env: { bwrap?: string | undefined } = {}): { tools: SandboxTools | null; missing: string[] } {
  const bwrap = env.bwrap ?? which(['/usr/bin/bwrap', '/bin/bwrap']);
  const prlimit = which(['/usr/bin/prlimit', '/bin/prlimit']);
  const python = which(['/usr/bin/python3']);
  const node = which(['/usr/bin/node', '/usr/local/bin/node']) ?? process.execPath;
  const missing = [...(bwrap && existsSync(bwrap) ? [] : ['bwrap (Debian package bubblewrap)']), ...(prlimit ? [] : ['prlimit (util-linux)'])];
  if (missing.length > 0 || !bwrap || !prlimit) return { tools: null, missing };
  return { tools: { bwrap, prlimit, python, node }, missing };
}

/** Processes of a uid right now (NPROC counts them all, so a non-root limit starts above them). */
function processesOf(uid: number): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) n += readdirSync(`/proc/${pid}/task`).length; // threads count too
    } catch {
      // the process ended while we looked
    }
  }
  return n;
}

function interpreter(tools: SandboxTools, lang: SandboxLanguage, memoryMb: number): { bin: string; argv: string[]; asBytes: number } {
  if (lang === 'python') {
    if (!tools.python) throw new Error('python3 is not installed (/usr/bin/python3)');
    // -I: no user site, no env vars, no script dir magic; -B: no .pyc writes
    return { bin: tools.python, argv: ['-I', '-B', '/work/main.py'], asBytes: (memoryMb * 2 + 256) * 1024 * 1024 };
  }
  if (!tools.node) throw new Error('node is not installed');
  // V8 reserves a large virtual range up front, so RLIMIT_AS is generous for Node; RLIMIT_DATA
  // and the heap cap bound what it can actually use.
  return { bin: tools.node, argv: [`--max-old-space-size=${Math.max(32, Math.floor(memoryMb / 2))}`, '/work/main.js'], asBytes: 4096 * 1024 * 1024 };
}

/** The bwrap argument list (exported for the tests that pin the isolation flags). */
export function bwrapArgs(tools: SandboxTools, bin: string, argv: string[], files: string[], diskMb: number, infoFd?: number): string[] {
  const args = [
    '--unshare-all', // user, pid, net, ipc, uts, cgroup namespaces: no network at all
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin:/bin',
    '--setenv', 'HOME', '/work',
    '--setenv', 'LANG', 'C.UTF-8',
    '--hostname', 'sandbox',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc',
    '--dev', '/dev',
    '--size', String(diskMb * 1024 * 1024), '--tmpfs', '/work',
    '--size', String(diskMb * 1024 * 1024), '--tmpfs', '/tmp',
  ];
  // an interpreter outside /usr (a Node from nvm) is bound read-only where it lives
  const real = realpathSync(bin);
  if (!real.startsWith('/usr/')) args.push('--ro-bind', dirname(real), dirname(real));
  files.forEach((name, i) => args.push('--perms', '0644', '--file', String(3 + i), `/work/${name}`));
  if (infoFd !== undefined) args.push('--info-fd', String(infoFd));
  // the root bwrap builds is a writable tmpfs: make it read-only, leaving /work and /tmp writable
  args.push('--remount-ro', '/', '--chdir', '/work', '--', real, ...argv);
  return args;
}

const SAFE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Runs one program in a fresh sandbox. Never throws for what the program does; only for misuse. */
export function runInSandbox(tools: SandboxTools, req: SandboxRequest): Promise<SandboxResult> {
  const lim = { ...DEFAULT_LIMITS, ...req.limits };
  const main = req.language === 'python' ? 'main.py' : 'main.js';
  const files: Array<[string, string]> = [[main, req.program], ...Object.entries(req.files ?? {})];
  for (const [name] of files) if (!SAFE_NAME.test(name) || name === '.' || name === '..') throw new Error(`bad sandbox file name ${JSON.stringify(name)}`);
  const { bin, argv, asBytes } = interpreter(tools, req.language, lim.memoryMb);
  const root = process.getuid?.() === 0;
  const uid = root ? (req.uid ?? 61_000) : undefined;
  const nproc = root ? lim.maxProcs : processesOf(process.getuid?.() ?? 0) + lim.maxProcs;
  const cpuS = Math.ceil(lim.timeoutMs / 1000) + 1;
  const args = [
    `--data=${lim.memoryMb * 1024 * 1024}`,
    `--as=${asBytes}`,
    `--cpu=${cpuS}`,
    `--nproc=${nproc}`,
    `--fsize=${lim.diskMb * 1024 * 1024}`,
    '--nofile=256',
    '--core=0',
    '--',
    tools.bwrap,
    ...bwrapArgs(tools, bin, argv, files.map(([n]) => n), lim.diskMb, 3 + files.length),
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    // As root, the sandbox runs as an unprivileged uid: NPROC is not enforced for root, and no
    // capability survives into it. detached: its own process group, so the kill reaches all.
    const child = spawn(tools.prlimit, args, {
      stdio: ['pipe', 'pipe', 'pipe', ...files.map(() => 'pipe' as const), 'pipe'],
      detached: true,
      env: {},
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outN = 0;
    let errN = 0;
    let limit: SandboxResult['limit'];
    // bwrap tells us the host pid of the sandbox's init (--info-fd). Killing that ends the whole
    // PID namespace while bwrap itself lives to reap it: killing bwrap first would orphan its
    // child to this machine's PID 1, whose zombies keep counting against the uid's NPROC limit.
    let sandboxPid: number | undefined;
    let info = '';
    const infoPipe = child.stdio[3 + files.length] as NodeJS.ReadableStream | null;
    infoPipe?.on('data', (d: Buffer) => {
      info += d.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
      if (m) sandboxPid = Number(m[1]);
    });
    infoPipe?.on('error', () => undefined);
    const kill = (why: 'timeout' | 'output') => {
      limit ??= why;
      try {
        if (sandboxPid) process.kill(sandboxPid, 'SIGKILL');
        else if (child.pid) process.kill(-child.pid, 'SIGKILL'); // not started yet: nothing to orphan
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill('timeout'), lim.timeoutMs);
    const collect = (sink: Buffer[], which: 'out' | 'err') => (d: Buffer) => {
      const n = which === 'out' ? (outN += d.length) : (errN += d.length);
      const before = n - d.length;
      if (before < lim.maxOutputBytes) sink.push(d.subarray(0, lim.maxOutputBytes - before));
      if (n > lim.maxOutputBytes) kill('output');
    };
    child.stdout.on('data', collect(out, 'out'));
    child.stderr.on('data', collect(err, 'err'));
    // write the program files; a sandbox that dies early closes its pipes, which is not our error
    files.forEach(([, text], i) => {
      const w = child.stdio[3 + i] as Writable;
      w.on('error', () => undefined);
      w.end(text);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(req.stdin ?? '');
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8') + (spawnError ? `\n[sandbox] ${spawnError.message}` : '');
      resolve({ status: classify(code, signal, stderr, limit, !!spawnError), exitCode: code, signal, stdout, stderr, wallMs: performance.now() - started, limit });
    });
  });
}

function classify(code: number | null, signal: string | null, stderr: string, limit: SandboxResult['limit'], spawnFailed: boolean): SandboxStatus {
  if (spawnFailed) return 'sandbox-error';
  if (limit === 'timeout') return 'timeout';
  if (limit === 'output') return 'output-limit';
  if (/^bwrap: /m.test(stderr) && code === 1) return 'sandbox-error';
  if (code === 0) return 'ok';
  if (/MemoryError|JavaScript heap out of memory|Fatal process out of memory|Failed to reserve virtual memory|Cannot allocate memory|std::bad_alloc|RangeError: Array buffer allocation failed/.test(stderr)) return 'memory';
  // bwrap reports a signalled child as 128 + signal
  if (code === 128 + 24 || signal === 'SIGXCPU') return 'cpu-limit';
  if (signal || (code !== null && code > 128)) return 'killed';
  return 'failed';
}
