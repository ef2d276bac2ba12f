// JSON views of model state: SSE modelStatus entries, /v1/models records and /running rows.
import { effectiveTtl } from './config';
import type { NormalizedConfig } from './config';
import type { SimProcess } from './engine/process';
import type { NormalizedModel, SimCapabilities, Wire } from './types';

/** llama-swap capability flags derived from the config's capabilities block. */
export function capabilityFlags(c: SimCapabilities): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (c.in?.includes('image')) out.vision = true;
  if (c.in?.includes('audio')) out.audio = true;
  if (c.tools) out.function_calling = true;
  if (c.reranker) out.reranker = true;
  return out;
}

export function modelStatusList(cfg: NormalizedConfig, procs: Map<string, SimProcess>, wire: Wire): unknown[] {
  const out: unknown[] = [];
  for (const m of [...cfg.models.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const e: Record<string, unknown> = {
      id: m.id,
      name: m.name,
      description: m.description,
      state: procs.get(m.id)?.state ?? 'stopped',
      unlisted: m.unlisted,
      peerID: '',
    };
    if (m.aliases.length > 0) e.aliases = [...m.aliases];
    if (wire === 'head') {
      if (m.capabilities) e.capabilities = capabilityFlags(m.capabilities);
      if ((m.capabilities?.context ?? 0) > 0) e.context_length = m.capabilities?.context;
    }
    out.push(e);
  }
  return out;
}

function headRecord(m: NormalizedModel, loaded: boolean, created: number): Record<string, unknown> {
  const r: Record<string, unknown> = { id: m.id, object: 'model', created, owned_by: 'llama-swap' };
  if (m.name) r.name = m.name;
  if (m.description) r.description = m.description;
  const c = m.capabilities;
  if (c) {
    const input = c.in && c.in.length > 0 ? c.in : ['text'];
    const output = c.out && c.out.length > 0 ? c.out : ['text'];
    r.architecture = { input_modalities: input, output_modalities: output, modality: `${input.join('+')}->${output.join('+')}` };
    r.capabilities = capabilityFlags(c);
    if (c.tools) r.supported_parameters = ['tools', 'tool_choice'];
    if ((c.context ?? 0) > 0) r.context_length = c.context;
  }
  const ls: Record<string, unknown> = { ...m.metadata, type: 'model' };
  if (m.aliases.length > 0) ls.aliases = [...m.aliases];
  const meta: Record<string, unknown> = { llamaswap: ls };
  if ((c?.context ?? 0) > 0) meta.n_ctx = c?.context;
  r.meta = meta;
  r.status = { value: loaded ? 'loaded' : 'unloaded' };
  return r;
}

function legacyRecord(m: NormalizedModel, created: number): Record<string, unknown> {
  const r: Record<string, unknown> = { id: m.id, object: 'model', created, owned_by: 'llama-swap' };
  if (m.name) r.name = m.name;
  if (m.description) r.description = m.description;
  if (Object.keys(m.metadata).length > 0) r.meta = { llamaswap: { ...m.metadata } };
  return r;
}

export function modelsList(cfg: NormalizedConfig, procs: Map<string, SimProcess>, wire: Wire): unknown {
  const created = Math.floor(Date.now() / 1000);
  const data: Record<string, unknown>[] = [];
  for (const m of cfg.models.values()) {
    if (m.unlisted) continue;
    const st = procs.get(m.id)?.state ?? 'stopped';
    data.push(wire === 'head' ? headRecord(m, st !== 'stopped', created) : legacyRecord(m, created));
    if (cfg.includeAliasesInList) {
      for (const a of m.aliases) {
        const rec: Record<string, unknown> = { id: a, object: 'model', created, owned_by: 'llama-swap' };
        if (m.name) rec.name = m.name;
        if (m.description) rec.description = m.description;
        rec.meta = { llamaswap: wire === 'head' ? { ...m.metadata, type: 'alias', modelID: m.id } : { ...m.metadata } };
        if (wire === 'head') rec.status = { value: st !== 'stopped' ? 'loaded' : 'unloaded' };
        data.push(rec);
      }
    }
  }
  data.sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
  return { object: 'list', data };
}

export function runningList(cfg: NormalizedConfig, procs: Map<string, SimProcess>): unknown {
  const ids = [...cfg.models.keys()];
  const running: unknown[] = [];
  for (const id of [...procs.keys()].sort()) {
    const p = procs.get(id);
    const m = cfg.models.get(id);
    if (!p || !m || p.state === 'stopped') continue;
    const port = 5800 + ids.indexOf(id);
    running.push({
      model: id,
      state: p.state,
      cmd: `llama-server --port ${port} -m /models/${id}.gguf -c ${m.contextLength}`,
      proxy: `http://127.0.0.1:${port}`,
      ttl: effectiveTtl(cfg, m),
      name: m.name,
      description: m.description,
    });
  }
  return { running };
}
