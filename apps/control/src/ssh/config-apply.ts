import { createHash } from 'node:crypto';
import type { ActionContext } from '../jobs/queue';
import { AppError, isAppError } from '../lib/errors';
import { unifiedDiff } from './diff';
import type { HealthResult } from './host-health';
import type { RemoteOps } from './remote-ops';

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export interface ApplyDeps {
  ops: RemoteOps;
  /** Waits for the host's /health and model list after a restart. */
  waitHealthy(signal?: AbortSignal): Promise<HealthResult>;
  /** Backups to keep after a successful job (CONFIG_BACKUPS_KEEP). */
  keepBackups: number;
}

export interface ApplyInput {
  content: Buffer;
  /** Refuse unless the remote file still has this hash (the edit started from it). */
  baseHash?: string | undefined;
  /** What the job is, for messages: "apply" or "restore <backup>". */
  what: string;
}

/**
 * The config apply, as one job in the host's queue:
 * read → (hash check) → diff → backup → write → read back → restart → wait for health → prune.
 * If the write cannot be verified, the restart fails, or the host does not come back healthy, the
 * original bytes (what the backup holds) are written back, the host restarted again, and the job
 * fails as ROLLED_BACK with detail.rolledBack = true. A cancel before the write stops cleanly; a
 * cancel after it rolls back (the host is never left half-applied).
 *
 * The config's content is never logged (it may hold apiKeys); only sizes, hashes and diff counts.
 */
export async function runConfigApply(ctx: ActionContext, deps: ApplyDeps, input: ApplyInput): Promise<Record<string, unknown>> {
  const result = await applyConfig(ctx, deps, input);
  return { ...result, ...(await pruneOldBackups(ctx, deps)) };
}

/**
 * The last step, only after success. The new config is live and healthy by then, so a failed
 * prune is a warning in the output and never fails the job; the backups stay until the next one.
 */
async function pruneOldBackups(ctx: ActionContext, deps: ApplyDeps): Promise<Record<string, unknown>> {
  const say = (line: string) => ctx.log(`${line}\n`);
  ctx.progress({ stage: 'prune' });
  try {
    const pruned = await deps.ops.pruneBackups(deps.keepBackups, ctx.signal);
    if (pruned.length > 0) say(`pruned ${pruned.length} old backup${pruned.length === 1 ? '' : 's'} (keeping the newest ${deps.keepBackups}): ${pruned.join(', ')}`);
    return { pruned };
  } catch (err) {
    say(`warning: pruning old backups failed, they are kept: ${messageOf(err)}`);
    return { pruned: [], pruneError: messageOf(err) };
  }
}

async function applyConfig(ctx: ActionContext, deps: ApplyDeps, input: ApplyInput): Promise<Record<string, unknown>> {
  const { ops } = deps;
  const say = (line: string) => ctx.log(`${line}\n`);
  const stage = (s: string, extra: Record<string, unknown> = {}) => ctx.progress({ stage: s, ...extra });

  stage('read');
  const current = await ops.read(ctx.signal);
  const currentHash = sha256(current);
  const newHash = sha256(input.content);
  say(`read current config (${current.length} bytes, sha256 ${currentHash.slice(0, 12)}…)`);
  if (input.baseHash && input.baseHash !== currentHash) {
    throw new AppError('CONFLICT', 'the config on the host changed since this edit started; reload it and apply again', {
      expectedHash: input.baseHash,
      actualHash: currentHash,
    });
  }
  const diff = unifiedDiff(current.toString('utf8'), input.content.toString('utf8'));
  stage('diff', { added: diff.added, removed: diff.removed, fromHash: currentHash, toHash: newHash });
  if (newHash === currentHash) {
    say('the host already has this config; nothing to do');
    return { unchanged: true, stage: 'done' };
  }
  say(`${input.what}: +${diff.added} -${diff.removed} lines`);

  stage('backup');
  const backup = await ops.backup(ctx.signal);
  stage('backup', { backup });
  say(`backup: ${backup}`);

  // From here on the host changes. The steps take no signal: a cancel is handled by rolling back.
  const rollback = (reason: string) => rollBack(ctx, deps, { original: current, backup, reason });
  stage('write');
  try {
    await ops.write(input.content);
  } catch (err) {
    // The write goes to a temp file and is moved into place, so a failed write left the original.
    say(`write failed; the original config is untouched (${messageOf(err)})`);
    throw err;
  }
  const written = await ops.read().catch((err: unknown) => err);
  if (!Buffer.isBuffer(written) || sha256(written) !== newHash) {
    return rollback(Buffer.isBuffer(written) ? 'the config read back from the host differs from what was written' : `cannot read the written config back: ${messageOf(written)}`);
  }
  say(`wrote ${input.content.length} bytes (verified)`);
  if (ctx.signal.aborted) return rollback('cancelled');

  stage('restart');
  try {
    const out = await ops.restart();
    if (out) say(out);
  } catch (err) {
    return rollback(`restart failed: ${messageOf(err)}`);
  }
  stage('health');
  say('restarted; waiting for /health and /v1/models');
  const health = await deps.waitHealthy(ctx.signal);
  if (!health.ok) return rollback(health.cancelled ? 'cancelled' : `the host did not come back healthy: ${health.reason}`);
  say(`healthy after ${health.elapsedMs} ms (${health.models} models listed)`);
  return { stage: 'done', backup, healthy: true, models: health.models, hash: newHash };
}

async function rollBack(ctx: ActionContext, deps: ApplyDeps, r: { original: Buffer; backup: string; reason: string }): Promise<never> {
  const say = (line: string) => ctx.log(`${line}\n`);
  ctx.progress({ stage: 'rollback', rolledBack: true, rollbackReason: r.reason });
  say(`rolling back to ${r.backup}: ${r.reason}`);
  let health: HealthResult | undefined;
  try {
    await deps.ops.write(r.original);
    const out = await deps.ops.restart();
    if (out) say(out);
    health = await deps.waitHealthy();
  } catch (err) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `${r.reason}; rolling back to ${r.backup} FAILED: ${messageOf(err)}`, {
      rolledBack: false,
      backup: r.backup,
      rollbackError: messageOf(err),
      ...(isAppError(err) && err.details && typeof err.details === 'object' ? { rollbackDetails: err.details } : {}),
    });
  }
  if (!health.ok) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `${r.reason}; restored ${r.backup} but the host is still unhealthy: ${health.reason}`, {
      rolledBack: true,
      healthyAfterRollback: false,
      backup: r.backup,
    });
  }
  say(`rolled back; the host is healthy again (${health.models} models listed)`);
  if (r.reason === 'cancelled') throw new AppError('CANCELLED', `cancelled; restored ${r.backup}`, { rolledBack: true, healthyAfterRollback: true, backup: r.backup });
  throw new AppError('ROLLED_BACK', `${r.reason}; restored ${r.backup} and the host is healthy again`, {
    rolledBack: true,
    healthyAfterRollback: true,
    backup: r.backup,
  });
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
