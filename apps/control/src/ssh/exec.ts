import type { ClientChannel } from 'ssh2';
import { AppError } from '../lib/errors';
import { sshConnect, sshFail, type ConnectOptions, type SshTarget } from './connect';
import { shJoin } from './quote';

export { sshConnect, resolveIdentityFile, type SshTarget, type SshFailReason } from './connect';

export interface ExecOptions extends ConnectOptions {
  /** Bytes written to the remote stdin, byte-exact, then EOF. Without it stdin is closed at once. */
  stdin?: Buffer | string;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Whole-command deadline (default 10 min). On expiry the remote process group is killed. */
  timeoutMs?: number;
  /** Per stream: only the last maxBufferBytes of stdout/stderr are kept (default 256 KiB). */
  maxBufferBytes?: number;
  /** Grace between SIGTERM and SIGKILL on cancel/timeout (default 2 s). */
  killGraceMs?: number;
  /**
   * Opt-in (default false): prefix the command with a fixed `printf` that reports the remote
   * shell's pid on stderr (the line is stripped before you see stderr), so that cancel/timeout
   * can kill the process group from a second connection. Needed when logging in as root, where
   * sshd refuses the SSH `signal` request. Never use it with a forced command (wrapper mode):
   * the prefix would end up in SSH_ORIGINAL_COMMAND.
   */
  pidMarker?: boolean;
}

export interface ExecResult {
  /** Exit status, or null when the process died from a signal. */
  code: number | null;
  /** Signal name as ssh2 reports it (`SIGTERM`, `SIGKILL`…) when the process was killed by one. */
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
}

/**
 * The command to run remotely. `argv` is the safe form: every element is single-quoted, so no
 * user string is ever interpreted by the remote shell. `command` is for fixed strings we (or
 * the admin, in the hosts file) wrote, and must never contain interpolated user input.
 */
export type RemoteCommand = { argv: readonly string[] } | { command: string };

/** Keeps the last `max` bytes of a stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const over = this.size - this.max;
      this.truncated = true;
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
      }
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

const PID_MARKER = '__boo_pid=';
/** Fixed text, no user input: prints the pid of the remote shell (= its process group id). */
const PID_PREFIX = `printf '${PID_MARKER}%s\\n' "$$" >&2; `;

/**
 * Strips the pid line our prefix prints first on stderr and hands the rest on. Only the very
 * first stderr line is considered, so a command cannot spoof it later.
 */
class PidSniffer {
  pid: number | undefined;
  private pending: Buffer | null = Buffer.alloc(0);
  constructor(private readonly forward: (chunk: Buffer) => void) {}
  push(chunk: Buffer): void {
    if (!this.pending) return this.forward(chunk);
    const buf = Buffer.concat([this.pending, chunk]);
    const nl = buf.indexOf(10);
    if (nl < 0 && buf.length < 64) {
      this.pending = buf;
      return;
    }
    this.pending = null;
    const m = nl >= 0 ? new RegExp(`^${PID_MARKER}(\\d{1,10})$`).exec(buf.subarray(0, nl).toString('latin1')) : null;
    if (m) {
      this.pid = Number(m[1]);
      if (buf.length > nl + 1) this.forward(buf.subarray(nl + 1));
    } else this.forward(buf);
  }
  flush(): void {
    if (this.pending?.length) this.forward(this.pending);
    this.pending = null;
  }
}

/** The parts of ssh2's channel internals `sendSignal` needs (ssh2 1.x). */
interface ChannelInternals {
  type?: string;
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?: (id: number, name: string) => void } };
}

/**
 * Sends the SSH `signal` channel request. ssh2's public `channel.signal()` silently does nothing
 * once our side of the channel is no longer writable, i.e. after we sent EOF on stdin, which we
 * always do (so that remote commands reading stdin never hang). The request is still valid on
 * an open channel after EOF (RFC 4254 §6.9), so we go to the protocol object directly.
 */
function sendSignal(ch: ClientChannel, name: 'TERM' | 'KILL'): void {
  try {
    const c = ch as unknown as ChannelInternals;
    const id = c.outgoing?.id;
    const protocol = c._client?._protocol;
    if (c.type === 'session' && (c.outgoing?.state === 'open' || c.outgoing?.state === 'eof') && typeof id === 'number' && typeof protocol?.signal === 'function') {
      protocol.signal(id, name);
    } else {
      ch.signal(name);
    }
  } catch {
    /* channel already gone */
  }
}

/**
 * Runs one command over SSH and returns its exit status and output tails.
 *
 * A non-zero exit is a result, not an error. Errors: SSH_FAILED (details.reason) when the host
 * cannot be reached, authenticated or trusted; TIMEOUT after timeoutMs; CANCELLED on abort.
 *
 * How the remote process is killed on cancel/timeout. The command runs pty-less; sshd calls
 * setsid() before exec'ing the user's shell, so that shell leads a new process group holding
 * everything the command starts (a non-interactive shell does no job control). Closing the
 * channel alone is NOT enough: sshd keeps a pty-less child running until it exits by itself.
 * So we, in this order:
 *  1. send the SSH `signal` request TERM: OpenSSH's sshd does killpg(session, SIGTERM) — but it
 *     refuses for root logins (no privilege separation post-auth) and forced-command sessions;
 *  2. therefore also, when the pid marker is on (opt-in): over a second connection run the fixed
 *     `kill -s TERM -- -<pgid>`, where pgid is the number the prefix reported;
 *  3. after killGraceMs, the same with KILL, then close the channel and the connection.
 * Forced-command wrappers (pidMarker: false, non-root) get 1 and must exit when their
 * stdin/stdout close, which closing the channel guarantees.
 */
export async function sshExec(target: SshTarget, cmd: RemoteCommand, opts: ExecOptions): Promise<ExecResult> {
  const base = 'argv' in cmd ? shJoin(cmd.argv) : cmd.command;
  if (!base.trim()) throw new AppError('VALIDATION', 'empty remote command');
  const marker = opts.pidMarker === true;
  const command = marker ? PID_PREFIX + base : base;
  const started = Date.now();
  const deadline = opts.timeoutMs ?? 600_000;
  const grace = opts.killGraceMs ?? 2_000;
  const out = new TailBuffer(opts.maxBufferBytes ?? 256 * 1024);
  const err = new TailBuffer(opts.maxBufferBytes ?? 256 * 1024);
  const where = `${target.user}@${target.host}:${target.port}`;
  const client = await sshConnect(target, opts);

  return await new Promise<ExecResult>((resolveRun, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    /** Why we are killing the command (built lazily so that it carries the final output tails). */
    let stopping: (() => AppError) | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    const timers: NodeJS.Timeout[] = [];
    const sniffer = new PidSniffer((chunk) => {
      err.push(chunk);
      opts.onStderr?.(chunk);
    });
    const finish = (error?: AppError) => {
      if (settled) return;
      settled = true;
      sniffer.flush();
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
      client.end();
      setTimeout(() => client.destroy(), 1_000).unref();
      if (error) return reject(error);
      resolveRun({
        code: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: out.text(),
        stderr: err.text(),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        durationMs: Date.now() - started,
      });
    };
    /** Best effort, from a second connection: signal the remote process group by its id. */
    const killGroup = (sig: 'TERM' | 'KILL') => {
      const pid = sniffer.pid;
      if (!pid || pid <= 1) return;
      void sshExec(target, { argv: ['kill', '-s', sig, '--', `-${pid}`] }, { secretsDir: opts.secretsDir, timeoutMs: 5_000, pidMarker: false, connectTimeoutMs: 5_000 }).catch(() => undefined);
    };
    const kill = (ch: ClientChannel) => {
      sendSignal(ch, 'TERM');
      killGroup('TERM');
      timers.push(
        setTimeout(() => {
          sendSignal(ch, 'KILL');
          killGroup('KILL');
          timers.push(setTimeout(() => ch.close(), 500));
        }, grace),
      );
    };
    const stop = (why: () => AppError) => {
      if (stopping || settled) return;
      stopping = why;
      if (channel) kill(channel);
      // Whatever the server does, the caller hears back within the grace plus a little.
      timers.push(setTimeout(() => finish(why()), grace + 3_000));
    };
    const onAbort = () => stop(() => new AppError('CANCELLED', `cancelled: ${where}`));
    if (opts.signal?.aborted) {
      finish(new AppError('CANCELLED', `cancelled: ${where}`));
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    timers.push(
      setTimeout(
        () => stop(() => new AppError('TIMEOUT', `command on ${where} did not finish within ${deadline} ms`, { reason: 'timeout', stdout: out.text().slice(-4096), stderr: err.text().slice(-4096) })),
        deadline,
      ),
    );
    client.on('error', (e: Error) => finish(stopping?.() ?? sshFail('connection-lost', `connection to ${where} failed: ${e.message}`)));
    client.on('close', () => {
      if (!settled) finish(stopping?.() ?? (exit ? undefined : sshFail('connection-lost', `connection to ${where} closed before the command finished`)));
    });
    client.exec(command, { pty: false }, (e, ch) => {
      if (e) return finish(stopping?.() ?? sshFail('exec-refused', `${where} refused to run the command: ${e.message}`));
      channel = ch;
      if (stopping) kill(ch);
      ch.on('data', (chunk: Buffer) => {
        out.push(chunk);
        opts.onStdout?.(chunk);
      });
      ch.stderr.on('data', (chunk: Buffer) => (marker ? sniffer.push(chunk) : (err.push(chunk), opts.onStderr?.(chunk))));
      ch.on('exit', (code: number | null, signal?: string) => {
        exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
      });
      ch.on('close', () => finish(stopping?.()));
      if (opts.stdin !== undefined) ch.end(typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin);
      else ch.end();
    });
  });
}
