import {
  ConfigApplyBodySchema,
  ConfigBackupListSchema,
  ConfigDiffSchema,
  ConfigRestoreBodySchema,
  ConfigTextBodySchema,
  ConfigValidationSchema,
  HostConfigSchema,
  HostParamsSchema,
  HostSshSettingsPatchSchema,
  HostSshSettingsSchema,
  JobAcceptedSchema,
  PullBodySchema,
  IdempotencyHeadersSchema,
} from '@boocontrol/contracts';
import type { ControlContext, Feature } from '../context';
import { route } from '../http/route';
import { ConfigEditService } from './config-edit.service';
import { waitForHealthy } from './host-health';
import { ModelPullService } from './model-pull.service';
import { remoteOps } from './remote-ops';
import { SshSettingsService } from './ssh-settings.service';
import { runnerFor } from './ssh-target';

export interface HostConfigFeatureOptions {
  /** How long an applied config has to bring the host back healthy before it is rolled back. */
  healthTimeoutMs?: number;
  healthIntervalMs?: number;
  restartTimeoutMs?: number;
  pullTimeoutMs?: number;
}

export interface HostConfigServices {
  settings: SshSettingsService;
  config: ConfigEditService;
  pull: ModelPullService;
}

/** Wires the services of this feature from the control context (also used by tests). */
export function hostConfigServices(ctx: ControlContext, opts: HostConfigFeatureOptions = {}): HostConfigServices {
  const getHost = (id: string) => ctx.hostsRepo.get(id);
  const secretsDir = ctx.config.SECRETS_DIR;
  return {
    settings: new SshSettingsService({ hosts: ctx.hostsRepo, secretsDir }),
    config: new ConfigEditService({
      getHost,
      queue: ctx.queue,
      opsFor: (host) =>
        remoteOps(host.sshMode, runnerFor(host, secretsDir), {
          configPath: host.configPath,
          restartCmd: host.restartCmd,
          ...(opts.restartTimeoutMs ? { restartTimeoutMs: opts.restartTimeoutMs } : {}),
        }),
      keepBackups: ctx.config.CONFIG_BACKUPS_KEEP,
      waitHealthy: async (host, signal) =>
        waitForHealthy(host.baseUrl, {
          timeoutMs: opts.healthTimeoutMs ?? 60_000,
          ...(opts.healthIntervalMs ? { intervalMs: opts.healthIntervalMs } : {}),
          signal,
          // The same key the fleet and actions use: the host directory resolves it.
          apiKey: (await ctx.hosts.get(host.id))?.apiKey ?? null,
        }),
    }),
    pull: new ModelPullService({
      getHost,
      queue: ctx.queue,
      runnerFor: (host) => runnerFor(host, secretsDir),
      ...(opts.pullTimeoutMs ? { timeoutMs: opts.pullTimeoutMs } : {}),
    }),
  };
}

/** REST for host SSH settings, config editing and model pulls (issue 6). Handlers stay thin. */
export function createHostConfigFeature(ctx: ControlContext, opts: HostConfigFeatureOptions = {}): Feature {
  {
    const svc = hostConfigServices(ctx, opts);
    const base = '/api/control/hosts/:id';
    const tags = ['host-config'];
    // Admin throughout: SSH settings, config text (it may hold keys), applies, restores and pulls.
    return {
      name: 'host-config',
      routes(app, registry) {
        route(app, registry, {
          method: 'GET',
          url: `${base}/ssh`,
          summary: "A host's SSH settings (mode, target, config path, restart command, models dir)",
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          response: HostSshSettingsSchema,
          handler: ({ params }) => svc.settings.get(params.id),
        });
        route(app, registry, {
          method: 'PATCH',
          url: base,
          summary: 'Change SSH settings: sshMode, ssh{host,port,user,identityFile,hostKey}, configPath, restartCmd, modelsDir',
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: HostSshSettingsPatchSchema,
          response: HostSshSettingsSchema,
          handler: ({ params, body }) => svc.settings.update(params.id, body),
        });
        route(app, registry, {
          method: 'GET',
          url: `${base}/config`,
          summary: "The host's llama-swap config.yaml and its sha256",
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          response: HostConfigSchema,
          handler: ({ params }) => svc.config.read(params.id),
        });
        route(app, registry, {
          method: 'POST',
          url: `${base}/config/validate`,
          summary: 'Validate config text against the llama-swap schema (errors block, unknown keys warn)',
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: ConfigTextBodySchema,
          response: ConfigValidationSchema,
          handler: ({ body }) => svc.config.validate(body.text),
        });
        route(app, registry, {
          method: 'POST',
          url: `${base}/config/diff`,
          summary: "Unified diff from the host's current config to the given text",
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: ConfigTextBodySchema,
          response: ConfigDiffSchema,
          handler: ({ params, body }) => svc.config.diff(params.id, body.text),
        });
        route(app, registry, {
          method: 'PUT',
          url: `${base}/config`,
          summary: 'Apply a config as a job: backup, write, restart, wait for health, roll back if unhealthy',
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: ConfigApplyBodySchema,
          response: JobAcceptedSchema,
          status: 202,
          errors: { 400: 'the config has errors (details.validation)', 409: 'the remote file changed since baseHash' },
          headers: IdempotencyHeadersSchema,
          handler: async ({ params, body, headers }) => ({ job: await svc.config.apply(params.id, body.text, body.baseHash, headers['idempotency-key']) }),
        });
        route(app, registry, {
          method: 'GET',
          url: `${base}/config/backups`,
          summary: "Backups of the host's config, newest first",
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          response: ConfigBackupListSchema,
          handler: async ({ params }) => ({ backups: await svc.config.listBackups(params.id) }),
        });
        route(app, registry, {
          method: 'POST',
          url: `${base}/config/restore`,
          summary: 'Restore a backup as a job (the current config is backed up first)',
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: ConfigRestoreBodySchema,
          response: JobAcceptedSchema,
          status: 202,
          headers: IdempotencyHeadersSchema,
          handler: async ({ params, body, headers }) => ({ job: await svc.config.restore(params.id, body.backup, headers['idempotency-key']) }),
        });
        route(app, registry, {
          method: 'POST',
          url: `${base}/pull`,
          summary: 'Download a model on the host (huggingface-cli) as a cancellable job with live progress',
          tags,
          scope: 'admin',
          params: HostParamsSchema,
          body: PullBodySchema,
          response: JobAcceptedSchema,
          status: 202,
          headers: IdempotencyHeadersSchema,
          handler: async ({ params, body, headers }) => ({ job: await svc.pull.pull(params.id, body, headers['idempotency-key']) }),
        });
      },
    };
  }
}
