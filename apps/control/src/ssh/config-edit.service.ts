import { posix } from 'node:path';
import { z } from 'zod';
import type { ConfigBackup, ConfigDiff, ConfigValidation, HostConfig, Job } from '@boocontrol/contracts';
import type { ActionQueue } from '../jobs/queue';
import type { HostRecord } from '../hosts/hosts.repo';
import { AppError } from '../lib/errors';
import { runConfigApply, sha256, type ApplyDeps } from './config-apply';
import { validateLlamaSwapConfig } from './config-validate';
import { unifiedDiff } from './diff';
import type { HealthResult } from './host-health';
import { backupName, backupTime } from './backups';
import type { RemoteOps } from './remote-ops';

const ApplyParams = z.object({ baseHash: z.string(), hash: z.string(), bytes: z.number().int(), mode: z.string() });
const RestoreParams = z.object({ backup: z.string().min(1), mode: z.string() });

export interface ConfigEditDeps {
  getHost(id: string): Promise<HostRecord | undefined>;
  queue: ActionQueue;
  /** The RemoteOps of a host in its configured mode. */
  opsFor(host: HostRecord): RemoteOps;
  /** Waits for the host's health after a restart (bounded by the deps' own timeout). */
  waitHealthy(host: HostRecord, signal?: AbortSignal): Promise<HealthResult>;
  /** Backups kept per host: every successful apply or restore prunes the older ones. */
  keepBackups: number;
}

/**
 * The host config editor: read, validate, diff (no queue: read-only), and apply / restore as one
 * job in the host's action queue (see config-apply.ts for the steps and the rollback).
 */
export class ConfigEditService {
  constructor(private readonly deps: ConfigEditDeps) {
    const registry = deps.queue.registry;
    registry.register({
      jobType: 'config-apply',
      params: ApplyParams,
      run: async (ctx, p, hostId) => {
        const host = await this.host(hostId ?? '');
        // The text rides in the private payload: a config may hold API keys, params are public.
        const text = typeof ctx.payload === 'object' && ctx.payload !== null ? (ctx.payload as { text?: unknown }).text : undefined;
        if (typeof text !== 'string') throw new AppError('VALIDATION', 'config-apply job has no config text');
        return runConfigApply(ctx, this.applyDeps(host, this.deps.opsFor(host)), { content: Buffer.from(text, 'utf8'), baseHash: p.baseHash, what: 'apply' });
      },
    });
    registry.register({
      jobType: 'config-restore',
      params: RestoreParams,
      run: async (ctx, p, hostId) => {
        const host = await this.host(hostId ?? '');
        const ops = this.deps.opsFor(host);
        ctx.progress({ stage: 'read-backup', restoring: p.backup });
        const content = await ops.readBackup(p.backup, ctx.signal);
        const check = validateLlamaSwapConfig(content.toString('utf8'));
        if (!check.ok) ctx.log(`warning: ${p.backup} has ${check.errors.length} validation error(s); restoring it as it is\n`);
        return runConfigApply(ctx, this.applyDeps(host, ops), { content, what: `restore ${p.backup}` });
      },
    });
  }

  async read(hostId: string): Promise<HostConfig> {
    const host = await this.host(hostId);
    const bytes = await this.deps.opsFor(host).read();
    return { path: host.configPath ?? '', text: bytes.toString('utf8'), sha256: sha256(bytes), mode: host.sshMode };
  }

  validate(text: string): ConfigValidation {
    return validateLlamaSwapConfig(text);
  }

  /** Unified diff from the host's current file to `text`. */
  async diff(hostId: string, text: string): Promise<ConfigDiff> {
    const current = await this.read(hostId);
    const d = unifiedDiff(current.text, text, { fromName: `a/${posix.basename(current.path) || 'config.yaml'}`, toName: `b/${posix.basename(current.path) || 'config.yaml'}` });
    return { diff: d.text, baseSha256: current.sha256, identical: d.added === 0 && d.removed === 0, added: d.added, removed: d.removed };
  }

  /**
   * Validates, then enqueues the apply. Errors block (VALIDATION with the issues); the remote hash
   * is checked here for a quick 409 and again inside the job, where it is authoritative (another
   * job may run between the two checks).
   */
  async apply(hostId: string, text: string, baseHash: string, idempotencyKey?: string): Promise<Job> {
    const host = await this.host(hostId);
    const validation = validateLlamaSwapConfig(text);
    if (!validation.ok) {
      throw new AppError('VALIDATION', `the config has ${validation.errors.length} error(s): ${validation.errors[0]?.message ?? ''}`, { validation });
    }
    const ops = this.deps.opsFor(host);
    const currentHash = sha256(await ops.read());
    if (currentHash !== baseHash) {
      throw new AppError('CONFLICT', 'the config on the host changed since this edit started; reload it and apply again', { expectedHash: baseHash, actualHash: currentHash });
    }
    const content = Buffer.from(text, 'utf8');
    const { job } = await this.deps.queue.enqueue({
      hostId,
      jobType: 'config-apply',
      params: { baseHash, hash: sha256(content), bytes: content.length, mode: host.sshMode },
      payload: { text },
      idempotencyKey,
    });
    return job;
  }

  async listBackups(hostId: string): Promise<ConfigBackup[]> {
    const host = await this.host(hostId);
    const paths = await this.deps.opsFor(host).listBackups();
    return paths
      .map((path) => ({ path, name: posix.basename(path), createdAt: backupTime(posix.basename(path)) }))
      .sort((a, b) => b.name.localeCompare(a.name, 'en', { numeric: true }));
  }

  /** Restores a backup: the same job as an apply (backup current → write → restart → health). */
  async restore(hostId: string, backup: string, idempotencyKey?: string): Promise<Job> {
    const host = await this.host(hostId);
    const name = backupName(backup, host.configPath);
    const { job } = await this.deps.queue.enqueue({ hostId, jobType: 'config-restore', params: { backup: name, mode: host.sshMode }, idempotencyKey });
    return job;
  }

  private applyDeps(host: HostRecord, ops: RemoteOps): ApplyDeps {
    return { ops, waitHealthy: (signal) => this.deps.waitHealthy(host, signal), keepBackups: this.deps.keepBackups };
  }

  private async host(id: string): Promise<HostRecord> {
    const host = await this.deps.getHost(id);
    if (!host) throw new AppError('NOT_FOUND', `no host ${id}`);
    return host;
  }
}
