import { posix } from 'node:path';
import { CONFIG_MAX_BYTES, type SshMode } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';
import { assertKeep, BACKUP_NAME_RE, backupName, backupsToPrune, isBackupOf, parsePrunedPaths } from './backups';
import type { ExecOptions, ExecResult, RemoteCommand } from './exec';
import { shPath, shQuote } from './quote';

/**
 * The RemoteOps seam (seed 002): everything the config editor does on a host, in two modes.
 *
 * - `shell`: plain commands over a normal SSH login — `cat`, a copy to a timestamped `.bak-…`,
 *   a write through stdin into a temp file + `mv`, the host's own restart command, and `rm -f` of
 *   the backups past the newest N. Every path goes through quote.ts; the small scripts below are
 *   fixed strings that take their paths as positional arguments (`sh -c '<script>' sh <quoted
 *   path>`), so no user string is ever part of a script's text.
 * - `wrapper`: the key is locked to deploy/boocontrol-wrapper.sh by an authorized_keys forced
 *   command; we send only its verbs. The wrapper picks the backup path and we report the path it
 *   printed; it also picks what `prune` removes, and every path it reports is checked. A host
 *   without the wrapper fails loudly with the step's exit status and stderr: there is no
 *   fallback to shell mode.
 */
export interface RemoteOps {
  readonly mode: SshMode;
  /** The config file, byte for byte. */
  read(signal?: AbortSignal): Promise<Buffer>;
  /** Copies the config to a timestamped backup next to it; returns the path the host chose. */
  backup(signal?: AbortSignal): Promise<string>;
  /** Replaces the config atomically with `content`. */
  write(content: Buffer, signal?: AbortSignal): Promise<void>;
  /** Runs the host's restart command; returns its combined output tail. */
  restart(signal?: AbortSignal): Promise<string>;
  /** Full paths of the config's backups. */
  listBackups(signal?: AbortSignal): Promise<string[]>;
  /** One backup's content, by file name (as returned from listBackups, basename). */
  readBackup(name: string, signal?: AbortSignal): Promise<Buffer>;
  /** Deletes all but the newest `keep` backups (1..1000); returns the file names it removed. */
  pruneBackups(keep: number, signal?: AbortSignal): Promise<string[]>;
}

/** Runs one remote command (sshExec bound to a host and the secrets dir). */
export type RemoteRunner = (cmd: RemoteCommand, opts: Omit<ExecOptions, 'secretsDir'>) => Promise<ExecResult>;

export interface RemoteOpsOptions {
  /** Shell mode: the config path (absolute or `~/`). Wrapper mode: unused (the wrapper knows). */
  configPath?: string | null;
  /** Shell mode: the restart command line, run as-is (admin configuration, never user input). */
  restartCmd?: string | null;
  stepTimeoutMs?: number;
  restartTimeoutMs?: number;
}

const STEP_TIMEOUT = 30_000;
const RESTART_TIMEOUT = 120_000;

const tail = (s: string, n = 2000) => (s.length > n ? `…${s.slice(-n)}` : s).trim();

/** A remote step that exited non-zero: the message carries its exit status and stderr. */
export function stepFailed(mode: SshMode, step: string, r: ExecResult): AppError {
  const status = r.code !== null ? `exit status ${r.code}` : `signal ${r.signal ?? '?'}`;
  const stderr = tail(r.stderr);
  const hint = mode === 'wrapper' && (r.code === 127 || r.code === 126 || (step === 'read' && r.code === 1 && !stderr)) ? ' (is boocontrol-wrapper.sh installed as the forced command of this key?)' : '';
  const what = mode === 'wrapper' ? `wrapper step "${step}"` : `remote step "${step}"`;
  return new AppError('SSH_FAILED', `${what} failed with ${status}${stderr ? `: ${stderr}` : ''}${hint}`, {
    reason: 'remote-exit',
    mode,
    step,
    exitCode: r.code,
    signal: r.signal,
    stderr,
  });
}

/** Runs a step, collecting stdout as raw bytes (byte-exact, bounded), failing on non-zero exit. */
async function runStep(
  run: RemoteRunner,
  mode: SshMode,
  step: string,
  cmd: RemoteCommand,
  opts: { stdin?: Buffer; signal?: AbortSignal | undefined; timeoutMs: number; maxBytes?: number },
): Promise<{ stdout: Buffer; result: ExecResult }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  const max = opts.maxBytes ?? CONFIG_MAX_BYTES;
  const result = await run(cmd, {
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs,
    onStdout: (c) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    },
  });
  if (result.code !== 0) throw stepFailed(mode, step, result);
  if (over) throw new AppError('PAYLOAD_TOO_LARGE', `${step}: output exceeds ${max} bytes`, { step });
  return { stdout: Buffer.concat(chunks), result };
}

const firstLine = (b: Buffer) => b.toString('utf8').split('\n')[0]?.trim() ?? '';
const lines = (b: Buffer) =>
  b
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

// Fixed scripts for shell mode. $1 is always the config path, passed as a quoted argument.
const BACKUP_SCRIPT = [
  'set -e',
  'src=$1',
  '[ -f "$src" ] || { echo "config file $src does not exist" >&2; exit 66; }',
  'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
  'dest="$src.bak-$stamp"; n=0',
  'while ! (set -C && : >"$dest") 2>/dev/null; do n=$((n + 1)); [ "$n" -le 100 ] || exit 73; dest="$src.bak-$stamp-$n"; done',
  'cp -p -- "$src" "$dest" || { rm -f -- "$dest"; exit 74; }',
  'printf "%s\\n" "$dest"',
].join('\n');

const WRITE_SCRIPT = [
  'dst=$1',
  '[ -d "$(dirname -- "$dst")" ] || { echo "directory of $dst does not exist" >&2; exit 66; }',
  '[ ! -L "$dst" ] || { echo "$dst is a symlink; configure the real file" >&2; exit 65; }',
  'tmp="$dst.boocontrol-tmp.$$"',
  'trap \'rm -f -- "$tmp"\' EXIT',
  "trap 'exit 130' HUP INT TERM",
  '(set -C && : >"$tmp") 2>/dev/null || { echo "cannot create $tmp" >&2; exit 73; }',
  'if [ -f "$dst" ]; then cp -p -- "$dst" "$tmp" || exit 74; fi',
  'cat >"$tmp" || exit 74',
  '[ -s "$tmp" ] || { echo "refusing to write an empty config" >&2; exit 65; }',
  'mv -f -- "$tmp" "$dst" || exit 74',
  'trap - EXIT',
].join('\n');

/** Backups removed per `rm` (one SSH command each), well below any command-line limit. */
const PRUNE_BATCH = 100;

const LIST_SCRIPT = ['for f in "$1".bak-*; do', '  [ -f "$f" ] && printf "%s\\n" "$f"', 'done', 'exit 0'].join('\n');

/** `sh -c '<fixed script>' sh <config path>` with the path quoted (or `"$HOME"/…` for `~/`). */
const script = (body: string, path: string): RemoteCommand => ({ command: `sh -c ${shQuote(body)} sh ${shPath(path)}` });

export function shellOps(run: RemoteRunner, opts: RemoteOpsOptions): RemoteOps {
  const stepTimeout = opts.stepTimeoutMs ?? STEP_TIMEOUT;
  const configPath = (): string => {
    if (!opts.configPath) throw new AppError('VALIDATION', 'shell mode needs the host\'s configPath (PATCH /api/control/hosts/:id)', { field: 'configPath' });
    return opts.configPath;
  };
  const mode = 'shell' as const;
  const list = async (signal?: AbortSignal): Promise<string[]> => {
    const { stdout } = await runStep(run, mode, 'backups', script(LIST_SCRIPT, configPath()), { signal, timeoutMs: stepTimeout });
    return lines(stdout).filter((p) => BACKUP_NAME_RE.test(posix.basename(p)));
  };
  return {
    mode,
    async read(signal) {
      return (await runStep(run, mode, 'read', { command: `cat -- ${shPath(configPath())}` }, { signal, timeoutMs: stepTimeout })).stdout;
    },
    async backup(signal) {
      const { stdout } = await runStep(run, mode, 'backup', script(BACKUP_SCRIPT, configPath()), { signal, timeoutMs: stepTimeout });
      const path = firstLine(stdout);
      if (!path) throw new AppError('SSH_FAILED', 'remote step "backup" printed no backup path', { reason: 'protocol', step: 'backup' });
      return path;
    },
    async write(content, signal) {
      await runStep(run, mode, 'write', script(WRITE_SCRIPT, configPath()), { stdin: content, signal, timeoutMs: stepTimeout });
    },
    async restart(signal) {
      if (!opts.restartCmd) throw new AppError('VALIDATION', 'shell mode needs the host\'s restartCmd (PATCH /api/control/hosts/:id)', { field: 'restartCmd' });
      const { result } = await runStep(run, mode, 'restart', { command: opts.restartCmd }, { signal, timeoutMs: opts.restartTimeoutMs ?? RESTART_TIMEOUT });
      return tail(result.stdout + result.stderr);
    },
    listBackups: list,
    async readBackup(name, signal) {
      const path = configPath();
      const file = backupName(name, path);
      const full = `${posix.dirname(path)}/${file}`;
      return (await runStep(run, mode, 'read-backup', { command: `cat -- ${shPath(full)}` }, { signal, timeoutMs: stepTimeout })).stdout;
    },
    async pruneBackups(keep, signal) {
      assertKeep(keep);
      const path = configPath();
      const names = (await list(signal)).map((p) => posix.basename(p)).filter((n) => isBackupOf(n, path));
      const doomed = backupsToPrune(names, keep);
      // The paths are rebuilt from the configured path (never taken from the host's listing) and
      // each name is re-validated, so rm can only ever see backups next to this config.
      for (let i = 0; i < doomed.length; i += PRUNE_BATCH) {
        const args = doomed.slice(i, i + PRUNE_BATCH).map((n) => shPath(`${posix.dirname(path)}/${backupName(n, path)}`));
        await runStep(run, mode, 'prune', { command: `rm -f -- ${args.join(' ')}` }, { signal, timeoutMs: stepTimeout });
      }
      return doomed;
    },
  };
}

export function wrapperOps(run: RemoteRunner, opts: RemoteOpsOptions = {}): RemoteOps {
  const stepTimeout = opts.stepTimeoutMs ?? STEP_TIMEOUT;
  const mode = 'wrapper' as const;
  const verb = (v: string): RemoteCommand => ({ command: v });
  return {
    mode,
    async read(signal) {
      return (await runStep(run, mode, 'read', verb('read'), { signal, timeoutMs: stepTimeout })).stdout;
    },
    async backup(signal) {
      const { stdout } = await runStep(run, mode, 'backup', verb('backup'), { signal, timeoutMs: stepTimeout });
      const path = firstLine(stdout);
      if (!path || !BACKUP_NAME_RE.test(posix.basename(path))) {
        throw new AppError('SSH_FAILED', `wrapper step "backup" did not print a backup path (got ${JSON.stringify(path.slice(0, 120))})`, { reason: 'protocol', step: 'backup' });
      }
      return path;
    },
    async write(content, signal) {
      await runStep(run, mode, 'write', verb('write'), { stdin: content, signal, timeoutMs: stepTimeout });
    },
    async restart(signal) {
      const { result } = await runStep(run, mode, 'restart', verb('restart'), { signal, timeoutMs: opts.restartTimeoutMs ?? RESTART_TIMEOUT });
      return tail(result.stdout + result.stderr);
    },
    async listBackups(signal) {
      const { stdout } = await runStep(run, mode, 'backups', verb('backups'), { signal, timeoutMs: stepTimeout });
      return lines(stdout).filter((p) => BACKUP_NAME_RE.test(posix.basename(p)));
    },
    async readBackup(name, signal) {
      const file = backupName(name, opts.configPath);
      return (await runStep(run, mode, 'read-backup', { argv: ['read-backup', file] }, { signal, timeoutMs: stepTimeout })).stdout;
    },
    async pruneBackups(keep, signal) {
      const { stdout } = await runStep(run, mode, 'prune', { argv: ['prune', String(assertKeep(keep))] }, { signal, timeoutMs: stepTimeout });
      return parsePrunedPaths(stdout, opts.configPath);
    },
  };
}

export function remoteOps(mode: SshMode, run: RemoteRunner, opts: RemoteOpsOptions): RemoteOps {
  return mode === 'wrapper' ? wrapperOps(run, opts) : shellOps(run, opts);
}
