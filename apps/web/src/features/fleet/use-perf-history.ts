import { useEffect, useRef, useState } from 'react';
import type { HostSummary, PerfMetric } from '@boocontrol/contracts';
import { fetchPerf } from './fleet.api';
import type { SparkPoint } from './ui/Sparkline';

const CARD_METRICS: PerfMetric[] = ['cpu_pct', 'mem_used_mb', 'gpu_util_pct', 'gpu_mem_used_mb', 'gpu_temp_c', 'gpu_power_w'];
const WINDOW_MS = 15 * 60_000;

export type SeriesMap = Record<string, SparkPoint[]>;
export const seriesKey = (metric: string, series = '') => `${metric}|${series}`;

/** Adds the live sample of a host summary to the series (one point per sample time). */
function addLive(prev: SeriesMap, host: HostSummary): SeriesMap {
  const p = host.perf;
  if (!p) return prev;
  const t = Date.parse(p.at);
  const next: SeriesMap = { ...prev };
  const push = (key: string, v: number) => {
    const arr = next[key] ?? [];
    if (arr.length > 0 && arr[arr.length - 1]!.t >= t) return;
    next[key] = [...arr.filter((x) => x.t > t - WINDOW_MS), { t, v }];
  };
  push(seriesKey('cpu_pct'), p.cpuPct);
  push(seriesKey('mem_used_mb'), p.memUsedMb);
  for (const g of p.gpus) {
    const s = String(g.id);
    push(seriesKey('gpu_util_pct', s), g.utilPct);
    push(seriesKey('gpu_mem_used_mb', s), g.memUsedMb);
    push(seriesKey('gpu_temp_c', s), g.tempC);
    push(seriesKey('gpu_power_w', s), g.powerW);
  }
  return next;
}

/**
 * The last 15 minutes of a host's telemetry for its card sparklines: seeded from the stored
 * history once, then extended by every live sample the fleet topic brings.
 */
export function usePerfHistory(host: HostSummary): SeriesMap {
  const [series, setSeries] = useState<SeriesMap>({});
  const seeded = useRef(false);
  useEffect(() => {
    const ac = new AbortController();
    fetchPerf(host.id, { metric: CARD_METRICS, points: 90 }, ac.signal)
      .then((r) => {
        const base: SeriesMap = {};
        for (const s of r.series) base[seriesKey(s.metric, s.series)] = s.points.map((p) => ({ t: p.t, v: p.v }));
        seeded.current = true;
        setSeries((live) => {
          // keep live points newer than the history
          const merged: SeriesMap = { ...base };
          for (const [k, pts] of Object.entries(live)) {
            const last = merged[k]?.[merged[k]!.length - 1]?.t ?? -Infinity;
            merged[k] = [...(merged[k] ?? []), ...pts.filter((p) => p.t > last)];
          }
          return merged;
        });
      })
      .catch(() => undefined); // sparklines fill from live samples anyway
    return () => ac.abort();
  }, [host.id]);
  const at = host.perf?.at;
  useEffect(() => {
    setSeries((prev) => addLive(prev, host));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [at]);
  return series;
}
