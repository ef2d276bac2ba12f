import {
  ConfigBackupListSchema,
  ConfigDiffSchema,
  ConfigValidationSchema,
  HostConfigSchema,
  HostSshSettingsSchema,
  JobAcceptedSchema,
  type HostSshSettingsPatch,
  type PullBody,
} from '@boocontrol/contracts';
import { api } from '../../api/client';

const host = (id: string) => `/hosts/${encodeURIComponent(id)}`;
/** A fresh key per user action: a retried request (network blip) returns the same job. */
const once = () => ({ 'idempotency-key': crypto.randomUUID() });

/** Typed calls for the host config editor (issue 6). */
export const hostConfigApi = {
  settings: (id: string) => api(`${host(id)}/ssh`, HostSshSettingsSchema),
  patchSettings: (id: string, body: HostSshSettingsPatch) => api(host(id), HostSshSettingsSchema, { method: 'PATCH', body }),
  read: (id: string) => api(`${host(id)}/config`, HostConfigSchema),
  validate: (id: string, text: string, signal?: AbortSignal) =>
    api(`${host(id)}/config/validate`, ConfigValidationSchema, { method: 'POST', body: { text }, ...(signal ? { signal } : {}) }),
  diff: (id: string, text: string) => api(`${host(id)}/config/diff`, ConfigDiffSchema, { method: 'POST', body: { text } }),
  apply: (id: string, text: string, baseHash: string) => api(`${host(id)}/config`, JobAcceptedSchema, { method: 'PUT', body: { text, baseHash }, headers: once() }),
  backups: (id: string) => api(`${host(id)}/config/backups`, ConfigBackupListSchema),
  restore: (id: string, backup: string) => api(`${host(id)}/config/restore`, JobAcceptedSchema, { method: 'POST', body: { backup }, headers: once() }),
  pull: (id: string, body: PullBody) => api(`${host(id)}/pull`, JobAcceptedSchema, { method: 'POST', body, headers: once() }),
};
