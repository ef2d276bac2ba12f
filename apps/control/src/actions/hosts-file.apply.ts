import type { HostSshSettingsPatch } from '@boocontrol/contracts';
import type { HostsRepo } from '../hosts/hosts.repo';
import { actionsHash, sortActions } from './host-actions';
import type { HostsFile, HostsFileHost } from './hosts-file';

export interface HostsFileApplyDeps {
  /** Starts watching a host (fleet registry), unless it is already watched (LLAMA_PROVIDERS). */
  watch(h: HostsFileHost): Promise<void>;
  hosts: HostsRepo;
  log: { info(obj: object, msg: string): void };
}

/** In-memory facts of the hosts file that have no column: slot URLs and healthCheckTimeoutS. */
export interface HostsFileFacts {
  slots: Map<string, { primary?: string | undefined; secondary?: string | undefined }>;
  overrides: Map<string, { healthCheckTimeoutS?: number | undefined }>;
}

/**
 * Applies the hosts file at boot: every host is watched, its SSH settings are written, and its
 * actions are written when the file's list differs from the one applied last time. So the file
 * seeds and wins whenever it changes, while edits made in the UI survive restarts until then.
 */
export async function applyHostsFile(file: HostsFile, deps: HostsFileApplyDeps): Promise<HostsFileFacts> {
  const facts: HostsFileFacts = { slots: new Map(), overrides: new Map() };
  for (const h of file.hosts) {
    await deps.watch(h);
    if (h.ssh) {
      const patch: HostSshSettingsPatch = {
        ssh: { host: h.ssh.host, port: h.ssh.port, user: h.ssh.user, identityFile: h.ssh.identityFile, hostKey: h.ssh.hostKey },
        ...(h.sshMode ? { sshMode: h.sshMode } : {}),
        ...(h.configPath ? { configPath: h.configPath } : {}),
        ...(h.restartCmd ? { restartCmd: h.restartCmd } : {}),
        ...(h.modelsDir ? { modelsDir: h.modelsDir } : {}),
      };
      await deps.hosts.updateSsh(h.id, patch);
    }
    const actions = sortActions(h.actions);
    const hash = actionsHash(actions);
    const stored = await deps.hosts.get(h.id);
    if (stored && stored.actionsFileHash !== hash) {
      await deps.hosts.setActions(h.id, actions, hash);
      deps.log.info({ host: h.id, actions: actions.length }, 'host actions applied from the hosts file');
    }
    if (h.slots) facts.slots.set(h.id, { ...h.slots });
    if (h.healthCheckTimeoutS) facts.overrides.set(h.id, { healthCheckTimeoutS: h.healthCheckTimeoutS });
  }
  return facts;
}
