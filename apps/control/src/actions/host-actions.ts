import { createHash } from 'node:crypto';
import { HostActionListSchema, HostActionSchema, type HostAction, type HostActionInput } from '@boocontrol/contracts';
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
