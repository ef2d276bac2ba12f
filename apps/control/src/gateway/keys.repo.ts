import type { Queryable } from '../db/db';

export interface KeyRow {
  id: string;
  consumer: string;
  keyHash: string;
  prefix: string;
  createdAt: string;
}

interface Row {
  id: string;
  consumer: string;
  key_hash: string;
  prefix: string;
  created_at: Date;
}

const toKey = (r: Row): KeyRow => ({ id: r.id, consumer: r.consumer, keyHash: r.key_hash, prefix: r.prefix, createdAt: r.created_at.toISOString() });

/** SQL of control_gateway_keys: only hashes are stored, never a key. Revoked keys are deleted. */
export class KeysRepo {
  constructor(private readonly db: Queryable) {}

  async insert(k: Omit<KeyRow, 'createdAt'>): Promise<KeyRow> {
    const r = await this.db.query<Row>('INSERT INTO control_gateway_keys (id, consumer, key_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING *', [k.id, k.consumer, k.keyHash, k.prefix]);
    return toKey(r.rows[0]!);
  }

  async list(): Promise<KeyRow[]> {
    const r = await this.db.query<Row>('SELECT * FROM control_gateway_keys ORDER BY created_at, id');
    return r.rows.map(toKey);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM control_gateway_keys WHERE id = $1', [id])).rowCount > 0;
  }
}
