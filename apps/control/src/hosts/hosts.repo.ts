import type { ProviderKind } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

/** A host as stored: connection facts and SSH settings. Secrets are references, never values. */
export interface HostRecord {
  id: string;
  label: string;
  baseUrl: string;
  kind: ProviderKind;
  source: 'config' | 'ui' | 'demo';
  apiKeyRef: string | null;
  epoch: number;
  sshMode: 'shell' | 'wrapper';
  ssh: { host: string | null; port: number | null; user: string | null; identityFile: string | null; hostKey: string | null };
  configPath: string | null;
  restartCmd: string | null;
  modelsDir: string | null;
  actions: unknown[];
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
});

export class HostsRepo {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<HostRecord[]> {
    const r = await this.db.query<HostRow>('SELECT * FROM control_hosts ORDER BY id');
    return r.rows.map(toRecord);
  }

  async get(id: string): Promise<HostRecord | undefined> {
    const r = await this.db.query<HostRow>('SELECT * FROM control_hosts WHERE id = $1', [id]);
    return r.rows[0] ? toRecord(r.rows[0]) : undefined;
  }

  /** Creates or refreshes the connection facts of a host; SSH settings and epoch are kept. */
  async upsertBasics(h: Pick<HostRecord, 'id' | 'label' | 'baseUrl' | 'kind' | 'source' | 'apiKeyRef'>): Promise<HostRecord> {
    const r = await this.db.query<HostRow>(
      `INSERT INTO control_hosts (id, label, base_url, kind, source, api_key_ref)
       VALUES ($1, $2, $3, $4, $5, $6)
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

  /** Atomically bumps the epoch (a restart of the host was detected) and returns the new one. */
  async bumpEpoch(id: string): Promise<number> {
    const r = await this.db.query<{ epoch: number }>('UPDATE control_hosts SET epoch = epoch + 1, updated_at = now() WHERE id = $1 RETURNING epoch', [id]);
    return r.rows[0]?.epoch ?? 0;
  }
}
