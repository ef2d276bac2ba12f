import type { HostSshSettingsPatch } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

/** SQL for a host's SSH settings (columns of control_hosts). Mapping camelCase ↔ snake_case here only. */
export class SshSettingsRepo {
  constructor(private readonly db: Queryable) {}

  /** Applies a PATCH: absent fields are kept, null clears. Returns false when the host does not exist. */
  async update(id: string, patch: HostSshSettingsPatch): Promise<boolean> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (patch.sshMode !== undefined) add('ssh_mode', patch.sshMode);
    if (patch.ssh?.host !== undefined) add('ssh_host', patch.ssh.host);
    if (patch.ssh?.port !== undefined) add('ssh_port', patch.ssh.port);
    if (patch.ssh?.user !== undefined) add('ssh_user', patch.ssh.user);
    if (patch.ssh?.identityFile !== undefined) add('ssh_identity_file', patch.ssh.identityFile);
    if (patch.ssh?.hostKey !== undefined) add('ssh_host_key', patch.ssh.hostKey);
    if (patch.configPath !== undefined) add('config_path', patch.configPath);
    if (patch.restartCmd !== undefined) add('restart_cmd', patch.restartCmd);
    if (patch.modelsDir !== undefined) add('models_dir', patch.modelsDir);
    sets.push('updated_at = now()');
    const r = await this.db.query(`UPDATE control_hosts SET ${sets.join(', ')} WHERE id = $1`, params);
    return r.rowCount > 0;
  }
}
