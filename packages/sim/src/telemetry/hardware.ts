// GET /api/hardware (v247+): a HardwareSnapshot for the simulated machine (protocol reference §7.3).
import type { SimGpuSpec } from '../types';

export interface HardwareInput {
  gpus: SimGpuSpec;
  cpuCores: number;
  memTotalMb: number;
}

export function hardwareSnapshot(o: HardwareInput, capturedAt: string): unknown {
  const g = o.gpus;
  return {
    schema_version: 1,
    captured_at: capturedAt,
    capture: { scope: 'inference_host', method: 'detected', detector: { name: 'boocontrol-sim', version: '1' } },
    architecture: { name: 'x86_64' },
    operating_system: { family: 'linux', name: 'Ubuntu', version: '24.04', kernel: '6.8.0' },
    environment: { kind: 'bare_metal', name: null, version: null },
    cpu: { vendor: 'AMD', model: 'Simulated CPU', socket_count: 1, physical_core_count: Math.max(1, o.cpuCores / 2), logical_thread_count: o.cpuCores },
    memory: { capacity_bytes: o.memTotalMb * 1024 * 1024 },
    accelerators: Array.from({ length: g.count }, (_, index) => ({
      index,
      kind: 'gpu',
      vendor: 'NVIDIA',
      model: g.name ?? 'NVIDIA GeForce RTX 4090',
      architecture: null,
      memory: { kind: 'dedicated', capacity_bytes: (g.totalMb ?? 24576) * 1024 * 1024 },
      driver: { name: 'nvidia', version: '575.64' },
      power_limit_watts: g.powerLimitW ?? null,
    })),
  };
}
