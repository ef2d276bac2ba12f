import { AppError } from '../lib/errors';

/**
 * POSIX shell quoting and validation for anything that ends up in a remote command line.
 *
 * The rule: a remote command is a FIXED string written by us (or by the admin in the hosts
 * file) followed by arguments that went through `shQuote`. User strings are never spliced into
 * a command any other way. Where a value has a known shape (model id, action id, file name) it
 * is validated first so that hostile input is rejected before it is even quoted.
 */

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Single-quotes one argument for a POSIX shell: `it's` → `'it'\''s'`. Everything between single
 * quotes is literal in sh/bash/dash/zsh, so `$`, backticks, `;`, `|`, globs, newlines stay text.
 * NUL cannot be passed through a shell argument at all and is rejected.
 */
export function shQuote(value: string): string {
  if (value.includes('\u0000')) throw new AppError('VALIDATION', 'argument contains a NUL byte');
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every argument and joins them with spaces: a command line safe for `sh -c`. */
export function shJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new AppError('VALIDATION', 'empty command');
  return argv.map(shQuote).join(' ');
}

/**
 * A remote path from configuration: absolute (`/opt/x.sh`) or home-relative (`~/ai/x.sh`).
 * `~/` is turned into `"$HOME"/` (a fixed expansion of ours) followed by the quoted rest, so the
 * rest is never expanded by the remote shell.
 */
export function shPath(path: string): string {
  assertRemotePath(path);
  if (path.startsWith('~/')) return `"$HOME"/${shQuote(path.slice(2))}`;
  return shQuote(path);
}

export function assertRemotePath(path: string, field = 'path'): void {
  if (!path || path.length > 1024) throw new AppError('VALIDATION', `${field} must be 1..1024 characters`, { field });
  if (CONTROL_CHARS.test(path) || path.includes('\t')) throw new AppError('VALIDATION', `${field} contains control characters`, { field });
  if (!path.startsWith('/') && !path.startsWith('~/')) throw new AppError('VALIDATION', `${field} must be absolute or start with ~/`, { field });
  if (path.split('/').includes('..')) throw new AppError('VALIDATION', `${field} must not contain ..`, { field });
}

/** llama-swap model ids: letters, digits and `._-:/@+` (e.g. `qwen/qwen3-30b:q4_k_m`). */
export const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/;
/** Ids of host actions and hosts: short, lower/upper alnum with `._-`. */
export const ACTION_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const HOST_ID_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** A plain file name (no directories), e.g. an identity file under secrets/. */
export const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const isModelId = (s: string): boolean => MODEL_ID_RE.test(s) && !s.split('/').includes('..');
export const isActionId = (s: string): boolean => ACTION_ID_RE.test(s);

/** Throws VALIDATION unless `value` matches `re`; the message names the field, not the value. */
export function assertToken(value: string, re: RegExp, field: string): string {
  if (typeof value !== 'string' || !re.test(value)) {
    throw new AppError('VALIDATION', `invalid ${field}: only ${re.source} is allowed`, { field });
  }
  return value;
}

export function assertModelId(value: string, field = 'model'): string {
  if (!isModelId(value)) throw new AppError('VALIDATION', `invalid ${field}: use letters, digits and ._:/@+- (max 200)`, { field });
  return value;
}

/** Free text that will be passed as one quoted argument: anything printable, bounded. */
export function assertArg(value: string, field = 'argument', max = 4096): string {
  if (typeof value !== 'string' || value.length > max) throw new AppError('VALIDATION', `${field} must be a string of at most ${max} characters`, { field });
  if (value.includes('\u0000')) throw new AppError('VALIDATION', `${field} contains a NUL byte`, { field });
  return value;
}
