import { isAbsolute, relative, resolve } from 'node:path';
import type { HostSshSettings, HostSshSettingsPatch } from '@boocontrol/contracts';
import type { HostRecord, HostsRepo } from '../hosts/hosts.repo';
import { AppError } from '../lib/errors';
import { parsePinnedHostKey } from './host-key';
import { sshSettingsOf } from './ssh-target';

export interface SshSettingsDeps {
  hosts: HostsRepo;
  secretsDir: string;
}

/** Reads and changes a host's SSH settings (mode, target, config path, restart command, models dir). */
export class SshSettingsService {
  constructor(private readonly deps: SshSettingsDeps) {}

  async get(hostId: string): Promise<HostSshSettings> {
    return sshSettingsOf(await this.host(hostId));
  }

  async update(hostId: string, patch: HostSshSettingsPatch): Promise<HostSshSettings> {
    await this.host(hostId);
    const identityFile = patch.ssh?.identityFile;
    if (identityFile) {
      // The schema already refuses '/' and '..'; this is the belt to those braces.
      const root = resolve(this.deps.secretsDir);
      const rel = relative(root, resolve(root, identityFile));
      if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/')) {
        throw new AppError('VALIDATION', 'identityFile must be a file name inside the secrets directory', { field: 'ssh.identityFile' });
      }
    }
    const hostKey = patch.ssh?.hostKey;
    if (hostKey) parsePinnedHostKey(hostKey);
    if (!(await this.deps.hosts.updateSsh(hostId, patch))) throw new AppError('NOT_FOUND', `no host ${hostId}`);
    return sshSettingsOf(await this.host(hostId));
  }

  private async host(id: string): Promise<HostRecord> {
    const host = await this.deps.hosts.get(id);
    if (!host) throw new AppError('NOT_FOUND', `no host ${id}`);
    return host;
  }
}
