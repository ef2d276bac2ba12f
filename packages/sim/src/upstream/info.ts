// llama-server's informational endpoints (/v1/models, /props, /slots; protocol reference §12.4–12.6).
import type { NormalizedModel } from '../types';
import { N_SLOTS } from './slots';

export { N_SLOTS };

export function modelsBody(m: NormalizedModel): unknown {
  return {
    models: [
      { name: m.id, model: m.id, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: [m.embedding ? 'embedding' : 'completion'], parameters: '', details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' } },
    ],
    object: 'list',
    data: [
      { id: m.id, aliases: [m.id], tags: [], object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 151936, n_ctx: m.contextLength, n_ctx_train: m.contextLength, n_embd: m.embeddingDim, n_params: m.vramMb * 1_600_000, size: m.vramMb * 1_000_000, ftype: 'Q4_K_M' } },
    ],
  };
}

export function propsBody(m: NormalizedModel, buildInfo: string): unknown {
  return {
    default_generation_settings: { params: { seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, n_predict: -1, max_tokens: -1, stream: false, timings_per_token: false }, n_ctx: m.contextLength },
    total_slots: N_SLOTS,
    model_alias: m.id,
    model_path: `/models/${m.id}.gguf`,
    modalities: { vision: m.capabilities?.in?.includes('image') ?? false, video: false, audio: m.capabilities?.in?.includes('audio') ?? false },
    endpoint_slots: true,
    endpoint_props: false,
    endpoint_metrics: false,
    build_info: buildInfo,
    is_sleeping: false,
  };
}

export function slotsBody(m: NormalizedModel): unknown {
  const out = [];
  for (let i = 0; i < N_SLOTS; i++) {
    out.push({ id: i, id_task: -1, n_ctx: m.contextLength, speculative: false, is_processing: false, params: { n_predict: -1 }, next_token: { has_next_token: false, has_new_line: false, n_remain: -1, n_decoded: 0 } });
  }
  return out;
}
