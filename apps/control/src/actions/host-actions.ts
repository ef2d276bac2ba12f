import { createHash } from 'node:crypto';
import { HostActionListSchema, HostActionSchema, type HostAction, type HostActionInput } from '@boocontrol/contracts';
import type { Queryable } from '../db/db';
import { AppError } from '../lib/errors';

/** Stored actions are re-validated on read; an entry that no longer parses is skipped, not fatal. */
export function parseHostActions(raw: unknown[]): HostAction[] {
  const out: HostAction[] = [];
  for (const a of raw) {
    const r = HostActionSchema.safeParse(a);
    if (r.success) out.push(r.data);
  }
  return sortActions(out);
}

const CATEGORY_ORDER = ['Allround', 'Coding', 'Long-context', 'Uncensored-ish', 'Other'];

/** Picker order: category, then `order`, then label. */
export function sortActions(actions: HostAction[]): HostAction[] {
  return [...actions].sort(
    (a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.order - b.order || a.label.localeCompare(b.label),
  );
}

/** Validates a full list (PUT body, hosts file); VALIDATION with every issue on failure. */
export function validateHostActions(input: HostActionInput[] | unknown, where = 'actions'): HostAction[] {
  const r = HostActionListSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
    throw new AppError('VALIDATION', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  return r.data;
}

/** Hash of an action list as the hosts file gave it: tells "file changed" from "edited in the UI". */
export const actionsHash = (actions: HostAction[]): string => createHash('sha256').update(JSON.stringify(actions)).digest('hex');

/** SQL for control_hosts.actions (and the hash of the hosts-file version last applied). */
export class HostActionsRepo {
  constructor(private readonly db: Queryable) {}

  async get(hostId: string): Promise<{ actions: unknown[]; fileHash: string | null } | undefined> {
    const r = await this.db.query<{ actions: unknown[]; actions_file_hash: string | null }>('SELECT actions, actions_file_hash FROM control_hosts WHERE id = $1', [hostId]);
    const row = r.rows[0];
    return row ? { actions: row.actions ?? [], fileHash: row.actions_file_hash } : undefined;
  }

  /** Replaces the actions; `fileHash` is set when the hosts file is the writer. False when no such host. */
  async set(hostId: string, actions: HostAction[], fileHash?: string): Promise<boolean> {
    const r =
      fileHash === undefined
        ? await this.db.query('UPDATE control_hosts SET actions = $2, updated_at = now() WHERE id = $1', [hostId, JSON.stringify(actions)])
        : await this.db.query('UPDATE control_hosts SET actions = $2, actions_file_hash = $3, updated_at = now() WHERE id = $1', [hostId, JSON.stringify(actions), fileHash]);
    return r.rowCount > 0;
  }
}
