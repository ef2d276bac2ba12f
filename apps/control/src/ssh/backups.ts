import { posix } from 'node:path';
import { AppError } from '../lib/errors';

/** `<name>.bak-YYYYmmddTHHMMSSZ` with an optional `-n` when two backups share a second. */
export const BACKUP_NAME_RE = /^[A-Za-z0-9._-]+\.bak-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d{1,3}))?$/;

/** The range of CONFIG_BACKUPS_KEEP; the wrapper's `prune` verb enforces the same one. */
export const BACKUPS_KEEP_MIN = 1;
export const BACKUPS_KEEP_MAX = 1000;

/** The backup's time from its name (UTC), or null. */
export function backupTime(name: string): string | null {
  const m = BACKUP_NAME_RE.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
}

/** Whether a file name is one of our backups, and (when the config path is known) of that config. */
export function isBackupOf(name: string, configPath?: string | null): boolean {
  if (!BACKUP_NAME_RE.test(name)) return false;
  return !configPath || name.startsWith(`${posix.basename(configPath)}.bak-`);
}

/** Backup file name from a name or a full path; throws VALIDATION unless it is one of ours. */
export function backupName(nameOrPath: string, configPath?: string | null): string {
  const name = posix.basename(nameOrPath);
  if (!isBackupOf(name, configPath)) {
    throw new AppError('VALIDATION', `"${name.slice(0, 80)}" is not a backup of this host's config`, { field: 'backup' });
  }
  return name;
}

export function assertKeep(keep: number): number {
  if (!Number.isInteger(keep) || keep < BACKUPS_KEEP_MIN || keep > BACKUPS_KEEP_MAX) {
    throw new AppError('VALIDATION', `the number of backups to keep must be a whole number from ${BACKUPS_KEEP_MIN} to ${BACKUPS_KEEP_MAX}`, { field: 'keep' });
  }
  return keep;
}

/**
 * Chronological sort key. The `-n` counter is compared as a number (plain name order would put
 * `-10` before `-2`), and a name without one is the first backup of its second. The wrapper's
 * `prune` builds the same key.
 */
function backupKey(name: string): string {
  const counter = BACKUP_NAME_RE.exec(name)?.[7];
  return `${backupTime(name) ?? ''}|${counter === undefined ? '0000' : `1${counter.padStart(3, '0')}`}`;
}

/** The backup names to delete so that only the newest `keep` remain; names not ours are ignored. */
export function backupsToPrune(names: readonly string[], keep: number): string[] {
  assertKeep(keep);
  const newestFirst = [...new Set(names)]
    .filter((n) => BACKUP_NAME_RE.test(n))
    .map((name) => ({ name, key: backupKey(name) }))
    .sort((a, b) => (a.key !== b.key ? (a.key < b.key ? 1 : -1) : a.name < b.name ? 1 : -1));
  return newestFirst.slice(keep).map((b) => b.name);
}

/**
 * The wrapper's `prune` output: the paths it removed, one per line. Parsed strictly, because
 * files were just deleted on the host: a line that is not a backup of this one config means we
 * are not talking to the wrapper we think we are, and that must not pass as "pruned".
 */
export function parsePrunedPaths(stdout: Buffer, configPath?: string | null): string[] {
  const text = stdout.toString('utf8');
  if (text === '') return [];
  const protocol = (line: string) =>
    new AppError('SSH_FAILED', `wrapper step "prune" printed ${JSON.stringify(line.slice(0, 120))}, which is not a backup of this host's config`, {
      reason: 'protocol',
      mode: 'wrapper',
      step: 'prune',
    });
  if (!text.endsWith('\n')) throw protocol(text.slice(text.lastIndexOf('\n') + 1));
  let prefix: string | undefined;
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const name = posix.basename(line);
      if (!line.startsWith('/') || !isBackupOf(name, configPath)) throw protocol(line);
      // Every removed path must be `<the same dir>/<the same config>.bak-…`.
      const own = line.slice(0, line.lastIndexOf('.bak-'));
      prefix ??= own;
      if (own !== prefix) throw protocol(line);
      return name;
    });
}
