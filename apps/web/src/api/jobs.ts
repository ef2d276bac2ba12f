import { JobSchema } from '@boocontrol/contracts';
import { api } from './client';

/** Jobs of every feature (actions, config, pulls) share these calls. */
export const fetchJob = (id: string) => api(`/jobs/${encodeURIComponent(id)}`, JobSchema);
// An empty JSON body: the gateway relays a POST body as a stream and needs one to exist.
export const cancelJob = (id: string) => api(`/jobs/${encodeURIComponent(id)}/cancel`, JobSchema, { method: 'POST', body: {} });
