import type { AlertRule, HostSummary } from '@boocontrol/contracts';
import { AlertObserver, key, unkey } from './observer';

/** A rule's condition holding for one thing: the engine fires it once and resolves it when it stops holding. */
export interface Candidate {
  rule: AlertRule;
  fingerprint: string;
  hostId: string | null;
  subject: string | null;
  value: number | null;
  summary: string;
}

export interface EvalInput {
  now: number;
  hosts: readonly HostSummary[];
  observer: AlertObserver;
  /** host × model → TTFT p95 of its latest benchmark */
  baselines: ReadonlyMap<string, number>;
  /** rule id + host + GPU → since when the GPU has been above the rule's threshold (kept by the engine) */
  hotSince: Map<string, number>;
}

const fp = (rule: AlertRule, hostId: string | null, subject: string | null) => `${rule.id}|${hostId ?? ''}|${subject ?? ''}`;
const s = (ms: number) => Math.round(ms / 1000);

function p95(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  // linear interpolation between order statistics (numpy's default)
  const pos = 0.95 * (v.length - 1);
  const lo = Math.floor(pos);
  return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (pos - lo);
}

/** Evaluates every enabled rule on the live state and the observed windows. Pure but for `hotSince`. */
export function evaluate(rules: readonly AlertRule[], x: EvalInput): Candidate[] {
  const out: Candidate[] = [];
  const add = (rule: AlertRule, hostId: string | null, subject: string | null, value: number | null, summary: string) =>
    out.push({ rule, fingerprint: fp(rule, hostId, subject), hostId, subject, value, summary });
  const seenHot = new Set<string>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    switch (rule.kind) {
      case 'host_offline':
        for (const h of x.hosts) {
          if (h.status !== 'offline') continue;
          const since = h.statusSince ? Date.parse(h.statusSince) : x.now;
          const down = x.now - since;
          if (down > rule.forS * 1000) add(rule, h.id, null, s(down), `${h.label} (${h.id}) offline for ${s(down)} s${h.statusReason ? `: ${h.statusReason}` : ''}`);
        }
        break;
      case 'crash_loop':
        for (const [k, ts] of x.observer.failures) {
          const n = AlertObserver.within(ts, x.now - rule.windowS * 1000, (t) => t).length;
          const [host, model] = unkey(k);
          if (n >= rule.failures) add(rule, host, model, n, `${model} on ${host} failed to start or crashed ${n} times in ${rule.windowS} s`);
        }
        break;
      case 'swap_storm':
        for (const [host, ts] of x.observer.loads) {
          const n = AlertObserver.within(ts, x.now - rule.windowS * 1000, (t) => t).length;
          if (n >= rule.swaps) add(rule, host, null, n, `${host} loaded models ${n} times in ${rule.windowS} s`);
        }
        break;
      case 'gpu_temp':
        for (const h of x.hosts) {
          for (const g of h.perf?.gpus ?? []) {
            const k = `${rule.id}|${h.id}|${g.id}`;
            if (g.tempC <= rule.aboveC || h.status === 'offline') continue;
            seenHot.add(k);
            const since = x.hotSince.get(k) ?? x.now;
            x.hotSince.set(k, since);
            if (x.now - since >= rule.forS * 1000) add(rule, h.id, String(g.id), g.tempC, `GPU ${g.id} of ${h.id} at ${g.tempC} °C (above ${rule.aboveC} °C for ${s(x.now - since)} s)`);
          }
        }
        break;
      case 'ttft_regression':
        for (const [k, samples] of x.observer.ttfts) {
          const base = x.baselines.get(k);
          if (base === undefined || base <= 0) continue;
          const recent = AlertObserver.within(samples, x.now - rule.windowS * 1000, (v) => v.t).map((v) => v.ms);
          if (recent.length < rule.minRequests) continue;
          const p = p95(recent);
          const [host, model] = unkey(k);
          if (p > rule.factor * base) add(rule, host, model, Math.round(p), `${model} on ${host}: TTFT p95 ${Math.round(p)} ms over ${recent.length} requests, ${(p / base).toFixed(1)}× its benchmark (${Math.round(base)} ms)`);
        }
        break;
      case 'eval_drop':
        // No eval runs exist yet (issue 13): nothing to compare, so nothing fires.
        break;
    }
  }
  for (const k of [...x.hotSince.keys()]) if (!seenHot.has(k)) x.hotSince.delete(k);
  return out;
}

export { key };
