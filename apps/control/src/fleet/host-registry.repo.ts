import type { ProviderKind } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';

export type HostSource = 'config' | 'ui' | 'demo';

export interface RegistryRow {
  id: string;
  label: string;
  baseUrl: string;
  kind: ProviderKind;
  source: HostSource;
  apiKeyRef: string | null;
  epoch: number;
}

interface Row {
  id: string;
  label: string;
  base_url: string;
  kind: ProviderKind;
  source: HostSource;
  api_key_ref: string | null;
  epoch: number;
}

const toRow = (r: Row): RegistryRow => ({ id: r.id, label: r.label, baseUrl: r.base_url, kind: r.kind, source: r.source, apiKeyRef: r.api_key_ref, epoch: r.epoch });

/** The connection facts of hosts in control_hosts (SSH columns belong to the ssh feature and are left alone). */
export class HostRegistryRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Creates or refreshes a host. A host that is new — or was removed and comes back under the
   * same id — starts one epoch above any activity still stored for that id, so its upstream ids
   * can never collide with the old rows (the UNIQUE key would silently drop new requests).
   */
  async save(h: Omit<RegistryRow, 'epoch'>): Promise<RegistryRow> {
    const r = await this.db.query<Row>(
      `INSERT INTO control_hosts (id, label, base_url, kind, source, api_key_ref, epoch)
       VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT max(epoch) + 1 FROM control_activity WHERE host_id = $1), 0))
       ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label, base_url = EXCLUDED.base_url, kind = EXCLUDED.kind,
         source = EXCLUDED.source, api_key_ref = EXCLUDED.api_key_ref, updated_at = now()
       RETURNING id, label, base_url, kind, source, api_key_ref, epoch`,
      [h.id, h.label, h.baseUrl, h.kind, h.source, h.apiKeyRef],
    );
    return toRow(r.rows[0]!);
  }

  async get(id: string): Promise<RegistryRow | undefined> {
    const r = await this.db.query<Row>('SELECT id, label, base_url, kind, source, api_key_ref, epoch FROM control_hosts WHERE id = $1', [id]);
    return r.rows[0] ? toRow(r.rows[0]) : undefined;
  }

  async listBySource(source: HostSource): Promise<RegistryRow[]> {
    const r = await this.db.query<Row>('SELECT id, label, base_url, kind, source, api_key_ref, epoch FROM control_hosts WHERE source = $1 ORDER BY id', [source]);
    return r.rows.map(toRow);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM control_hosts WHERE id = $1', [id])).rowCount > 0;
  }

  async epochOf(id: string): Promise<number> {
    const r = await this.db.query<{ epoch: number }>('SELECT epoch FROM control_hosts WHERE id = $1', [id]);
    return r.rows[0]?.epoch ?? 0;
  }
}
