import { ActionResultSchema, HostActionsSchema, JobListSchema, PickerSchema, SlotStatusListSchema, type HostActionInput, type PickerEntry } from '@boocontrol/contracts';
import { api } from '../../api/client';

/** A fresh Idempotency-Key per user intent: a double click or a retry sends the same one. */
export const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

export const fetchPicker = (signal?: AbortSignal) => api('/picker', PickerSchema, signal ? { signal } : {});

/** Starts a switch (model) or a script action (action) without blocking; the job streams on `jobs`. */
export function startPick(entry: PickerEntry, key: string) {
  const headers = { 'idempotency-key': key };
  if (entry.kind === 'action') {
    return api(`/hosts/${encodeURIComponent(entry.host)}/actions/${encodeURIComponent(entry.id)}/run`, ActionResultSchema, { method: 'POST', body: { wait: false }, headers });
  }
  return api('/switch', ActionResultSchema, { method: 'POST', body: { model: entry.id, host: entry.host, wait: false }, headers });
}

export type ModelAction = 'warm' | 'unload' | 'switch';

/** Warm, unload or switch to one model on one host, queued on the host's lane like every action. */
export function startModelAction(action: ModelAction, host: string, model: string, key: string) {
  const headers = { 'idempotency-key': key };
  return api(`/${action}`, ActionResultSchema, { method: 'POST', body: { model, host, wait: false }, headers });
}

export const fetchJobs = (host: string, limit = 30) => api('/jobs', JobListSchema, { query: { host, limit } });
export const fetchActions = (host: string) => api(`/hosts/${encodeURIComponent(host)}/actions`, HostActionsSchema);
export const saveActions = (host: string, actions: HostActionInput[]) => api(`/hosts/${encodeURIComponent(host)}/actions`, HostActionsSchema, { method: 'PUT', body: { actions } });
export const fetchSlots = (host: string) => api(`/hosts/${encodeURIComponent(host)}/slots`, SlotStatusListSchema);
