import type { HostAction, HostSshSettingsPatch, ProviderKind } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';
import { patchSet } from '../db/patch';

export type HostSource = 'config' | 'ui' | 'demo';

/** A host as stored: connection facts and SSH settings. Secrets are references, never values. */
export interface HostRecord {
  id: string;
  label: string;
  baseUrl: string;
  kind: ProviderKind;
  source: HostSource;
  apiKeyRef: string | null;
  epoch: number;
  sshMode: 'shell' | 'wrapper';
  ssh: { host: string | null; port: number | null; user: string | null; identityFile: string | null; hostKey: string | null };
  configPath: string | null;
  restartCmd: string | null;
  modelsDir: string | null;
  actions: unknown[];
  /** Hash of the hosts-file version of `actions` last applied (file changed vs edited in the UI). */
  actionsFileHash: string | null;
}

interface HostRow {
  id: string;
  label: string;
  base_url: string;
  kind: ProviderKind;
  source: HostRecord['source'];
  api_key_ref: string | null;
  epoch: number;
  ssh_mode: string;
  ssh_host: string | null;
  ssh_port: number | null;
  ssh_user: string | null;
  ssh_identity_file: string | null;
  ssh_host_key: string | null;
  config_path: string | null;
  restart_cmd: string | null;
  models_dir: string | null;
  actions: unknown[];
  actions_file_hash: string | null;
}

const toRecord = (r: HostRow): HostRecord => ({
  id: r.id,
  label: r.label,
  baseUrl: r.base_url,
  kind: r.kind,
  source: r.source,
  apiKeyRef: r.api_key_ref,
  epoch: r.epoch,
  sshMode: r.ssh_mode === 'wrapper' ? 'wrapper' : 'shell',
  ssh: { host: r.ssh_host, port: r.ssh_port, user: r.ssh_user, identityFile: r.ssh_identity_file, hostKey: r.ssh_host_key },
  configPath: r.config_path,
  restartCmd: r.restart_cmd,
  modelsDir: r.models_dir,
  actions: r.actions ?? [],
  actionsFileHash: r.actions_file_hash,
});

/**
 * The only SQL on control_hosts: connection facts (fleet), SSH settings (ssh), script actions
 * (actions) and the epoch (connectors). Features ask this repo; none writes the table itself.
 */
export class HostsRepo {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<HostRecord[]> {
    const r = await this.db.query<HostRow>('SELECT * FROM control_hosts ORDER BY id');
    return r.rows.map(toRecord);
  }

  async listBySource(source: HostSource): Promise<HostRecord[]> {
    const r = await this.db.query<HostRow>('SELECT * FROM control_hosts WHERE source = $1 ORDER BY id', [source]);
    return r.rows.map(toRecord);
  }

  async get(id: string): Promise<HostRecord | undefined> {
    const r = await this.db.query<HostRow>('SELECT * FROM control_hosts WHERE id = $1', [id]);
    return r.rows[0] ? toRecord(r.rows[0]) : undefined;
  }

  /**
   * Creates or refreshes the connection facts of a host; SSH settings, actions and epoch are
   * kept. A host that is new — or was removed and comes back under the same id — starts one
   * epoch above any activity still stored for that id, so its upstream ids can never collide
   * with the old rows (the UNIQUE key would silently drop new requests).
   */
  async save(h: Pick<HostRecord, 'id' | 'label' | 'baseUrl' | 'kind' | 'source' | 'apiKeyRef'>): Promise<HostRecord> {
    const r = await this.db.query<HostRow>(
      `INSERT INTO control_hosts (id, label, base_url, kind, source, api_key_ref, epoch)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT max(epoch) + 1 FROM control_activity WHERE host_id = $1), 0))
       ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, base_url = EXCLUDED.base_url, kind = EXCLUDED.kind,
         source = EXCLUDED.source, api_key_ref = EXCLUDED.api_key_ref, updated_at = now()
       RETURNING *`,
      [h.id, h.label, h.baseUrl, h.kind, h.source, h.apiKeyRef],
    );
    return toRecord(r.rows[0]!);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.query('DELETE FROM control_hosts WHERE id = $1', [id]);
    return r.rowCount > 0;
  }

  async epochOf(id: string): Promise<number> {
    const r = await this.db.query<{ epoch: number }>('SELECT epoch FROM control_hosts WHERE id = $1', [id]);
    return r.rows[0]?.epoch ?? 0;
  }

  /** Atomically bumps the epoch (a restart of the host was detected) and returns the new one. */
  async bumpEpoch(id: string): Promise<number> {
    const r = await this.db.query<{ epoch: number }>('UPDATE control_hosts SET epoch = epoch + 1, updated_at = now() WHERE id = $1 RETURNING epoch', [id]);
    return r.rows[0]?.epoch ?? 0;
  }

  /** Applies an SSH settings PATCH: absent fields are kept, null clears. False when the host does not exist. */
  async updateSsh(id: string, patch: HostSshSettingsPatch): Promise<boolean> {
    const { sets, params } = patchSet({
      ssh_mode: patch.sshMode,
      ssh_host: patch.ssh?.host,
      ssh_port: patch.ssh?.port,
      ssh_user: patch.ssh?.user,
      ssh_identity_file: patch.ssh?.identityFile,
      ssh_host_key: patch.ssh?.hostKey,
      config_path: patch.configPath,
      restart_cmd: patch.restartCmd,
      models_dir: patch.modelsDir,
    });
    sets.push('updated_at = now()');
    const r = await this.db.query(`UPDATE control_hosts SET ${sets.join(', ')} WHERE id = $1`, [id, ...params]);
    return r.rowCount > 0;
  }

  /** Replaces the script actions; `fileHash` is set when the hosts file is the writer. False when no such host. */
  async setActions(id: string, actions: HostAction[], fileHash?: string): Promise<boolean> {
    const r =
      fileHash === undefined
        ? await this.db.query('UPDATE control_hosts SET actions = $2, updated_at = now() WHERE id = $1', [id, JSON.stringify(actions)])
        : await this.db.query('UPDATE control_hosts SET actions = $2, actions_file_hash = $3, updated_at = now() WHERE id = $1', [id, JSON.stringify(actions), fileHash]);
    return r.rowCount > 0;
  }
}
