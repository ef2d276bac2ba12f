import type { HostSshSettings } from '@boocontrol/contracts';
import type { HostRecord } from '../hosts/hosts.repo';
import { AppError } from '../lib/errors';
import { sshExec, type SshTarget } from './exec';
import type { RemoteRunner } from './remote-ops';

/** The SSH target of a host; VALIDATION naming every missing setting when it is incomplete. */
export function sshTargetOf(host: HostRecord): SshTarget {
  const { host: h, port, user, identityFile, hostKey } = host.ssh;
  const missing = [!h && 'ssh.host', !user && 'ssh.user', !identityFile && 'ssh.identityFile', !hostKey && 'ssh.hostKey'].filter(Boolean);
  if (!h || !user || !identityFile || !hostKey) {
    throw new AppError('VALIDATION', `host ${host.id} has no complete SSH settings (missing ${missing.join(', ')})`, { fields: missing });
  }
  return { host: h, port: port ?? 22, user, identityFile, hostKey };
}

/** sshExec bound to one host and the secrets dir. */
export function runnerFor(host: HostRecord, secretsDir: string): RemoteRunner {
  const target = sshTargetOf(host);
  return (cmd, opts) => sshExec(target, cmd, { ...opts, secretsDir });
}

/** The public view of a host's SSH settings (no secrets exist in it: keys are file names). */
export function sshSettingsOf(host: HostRecord): HostSshSettings {
  return {
    id: host.id,
    sshMode: host.sshMode,
    ssh: { ...host.ssh },
    configPath: host.configPath,
    restartCmd: host.restartCmd,
    modelsDir: host.modelsDir,
  };
}
