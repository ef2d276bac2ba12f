import { ModelListSchema } from '@boocontrol/contracts';
import { api } from '../../api/client';

export const fetchModels = (days: number, signal?: AbortSignal) => api('/models', ModelListSchema, { query: { days }, ...(signal ? { signal } : {}) });
