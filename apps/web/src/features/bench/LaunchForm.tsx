import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Job } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { Icon } from '../../components/Icon';
import { useFleet } from '../../live/context';
import { newKey } from '../actions/actions.api';
import { fmtDuration } from '../fleet/ui/format';
import { startBench } from './bench.api';
import { useBenchLive } from './use-bench';
import { DEFAULT_FORM, benchHosts, defaultModel, estimateSeconds, toRequest, type LaunchForm as Form } from './launch-spec';

interface Refusal {
  code: string;
  message: string;
  lines: string[];
}

/** The control's typed error as the form shows it: the code, its message, and the fields it names. */
function refusal(e: unknown): Refusal {
  if (!(e instanceof ApiError)) return { code: 'INTERNAL', message: String(e), lines: [] };
  const issues = (e.details as { issues?: Array<{ path?: unknown[] | string; message?: string }> } | undefined)?.issues ?? [];
  const lines = issues.map((i) => `${Array.isArray(i.path) ? i.path.join('.') : (i.path ?? '')}: ${i.message ?? ''}`);
  const message = e.code === 'NETWORK' ? `control is unreachable (${e.message})` : e.message;
  return { code: e.code, message, lines };
}

function Field({ label, children, hint, wide }: { label: string; children: ReactNode; hint?: string; wide?: boolean }) {
  return (
    <label title={hint} className={wide ? 'wide' : undefined}>
      {label}
      {children}
    </label>
  );
}

/**
 * Starts a bench run. Defaults measure a first sweep (1, 2, 4, 8 users) against the contract's
 * SLOs; the host and model pickers list the fleet's llama-swap hosts and their models. A host
 * serving other traffic answers HOST_BUSY: the form says why and offers to take it over (the
 * points that see that traffic are flagged contaminated, never silently averaged in).
 */
export function LaunchForm({ onStarted }: { onStarted: (runId: string, job: Job) => void }) {
  const fleet = useFleet();
  const hosts = useMemo(() => benchHosts(fleet?.hosts ?? []), [fleet]);
  const [f, setF] = useState<Form>(DEFAULT_FORM);
  const [sending, setSending] = useState(false);
  const [refused, setRefused] = useState<Refusal | null>(null);
  const host = hosts.find((h) => h.id === f.host);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setF((x) => ({ ...x, [k]: v }));
    setRefused(null);
  };
  const num = (k: keyof Form) => (e: { target: HTMLInputElement }) => set(k, e.target.valueAsNumber as never);

  // pick a host (and its model) as soon as the fleet is known; a removed host is replaced
  useEffect(() => {
    if (host || hosts.length === 0) return;
    const first = hosts.find((h) => defaultModel(h)) ?? hosts[0]!;
    setF((x) => ({ ...x, host: first.id, model: defaultModel(first) }));
  }, [host, hosts]);

  // LEASE_HELD is about a run that ends: once the bench on the host ends, the refusal is stale
  // (a holder that is not a bench, e.g. an eval, leaves it shown)
  const live = useBenchLive();
  const hostBenching = Object.values(live ?? {}).some((r) => r.hostId === f.host && (r.status === 'running' || r.status === 'queued'));
  const wasBenching = useRef(hostBenching);
  useEffect(() => {
    if (wasBenching.current && !hostBenching) setRefused((r) => (r?.code === 'LEASE_HELD' ? null : r));
    wasBenching.current = hostBenching;
  }, [hostBenching]);

  const checked = toRequest(f);
  const submit = async (takeover: boolean) => {
    const r = toRequest(f, takeover);
    if (!r.ok) return;
    setSending(true);
    setRefused(null);
    try {
      const res = await startBench(r.body, newKey());
      onStarted(res.runId, res.job);
    } catch (e) {
      setRefused(refusal(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      className="panel bench-form"
      data-testid="bench-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(false);
      }}
    >
      <h4>New benchmark</h4>
      <div className="bench-grid">
        <Field label="host" wide>
          <select value={f.host} onChange={(e) => setF((x) => ({ ...x, host: e.target.value, model: defaultModel(hosts.find((h) => h.id === e.target.value)) }))} data-testid="bench-host">
            {hosts.length === 0 && <option value="">no llama-swap host online</option>}
            {hosts.map((h) => (
              <option key={h.id} value={h.id}>
                {h.label} ({h.status})
              </option>
            ))}
          </select>
        </Field>
        <Field label="model" wide>
          <select value={f.model} onChange={(e) => set('model', e.target.value)} data-testid="bench-model">
            {(host?.models ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.id} {m.state === 'ready' ? '(loaded)' : ''}
              </option>
            ))}
          </select>
        </Field>
        <Field label="driver" hint="closed loop: N users, each sends its next request when the last one is done; open loop: arrivals at a rate">
          <select value={f.driver} onChange={(e) => set('driver', e.target.value as Form['driver'])} data-testid="bench-driver">
            <option value="concurrency">concurrency sweep</option>
            <option value="rate">request rate sweep</option>
          </select>
        </Field>
        {f.driver === 'concurrency' ? (
          <Field label="concurrency levels" hint="ascending, comma separated">
            <input value={f.levels} onChange={(e) => set('levels', e.target.value)} data-testid="bench-levels" />
          </Field>
        ) : (
          <Field label="rates (req/s) · burstiness" hint="burstiness 1 = Poisson arrivals, below 1 burstier, above 1 more even">
            <span className="bench-pair">
              <input value={f.rates} onChange={(e) => set('rates', e.target.value)} data-testid="bench-rates" />
              <input type="number" step="0.1" value={f.burstiness} onChange={num('burstiness')} />
            </span>
          </Field>
        )}
        <Field label="input tokens">
          <input type="number" min={1} value={f.inputTokens} onChange={num('inputTokens')} data-testid="bench-input" />
        </Field>
        <Field label="output tokens">
          <input type="number" min={1} value={f.outputTokens} onChange={num('outputTokens')} data-testid="bench-output" />
        </Field>
        <Field label="warmup · measure · cooldown (s)" hint="per point; warmup and cooldown run the same load but are not measured">
          <span className="bench-triple">
            <input type="number" min={0} step="0.1" value={f.warmupS} onChange={num('warmupS')} data-testid="bench-warmup" />
            <input type="number" min={0.2} step="0.1" value={f.measureS} onChange={num('measureS')} data-testid="bench-measure" />
            <input type="number" min={0} step="0.1" value={f.cooldownS} onChange={num('cooldownS')} data-testid="bench-cooldown" />
          </span>
        </Field>
        <Field label="repetitions" hint="the measured time is split into this many windows; mean ± sd over them, noisy above 5 % CV">
          <input type="number" min={1} value={f.repetitions} onChange={num('repetitions')} data-testid="bench-reps" />
        </Field>
        <Field label="SLO: p99 TTFT ≤ (ms)" hint="0 turns it off">
          <input type="number" min={0} value={f.ttftP99Ms} onChange={num('ttftP99Ms')} data-testid="bench-slo-ttft" />
        </Field>
        <Field label="SLO: p50 TPOT ≤ (ms)" hint="0 turns it off">
          <input type="number" min={0} value={f.tpotP50Ms} onChange={num('tpotP50Ms')} data-testid="bench-slo-tpot" />
        </Field>
        <label className="bench-check" title="send cache_prompt: false so every prompt is processed from scratch">
          <input type="checkbox" checked={f.cold} onChange={(e) => set('cold', e.target.checked)} /> cold prompts
        </label>
      </div>
      <div className="hc-actions">
        <button type="submit" className="hc-btn" disabled={!checked.ok || sending} data-testid="bench-start">
          <Icon name="play" /> {sending ? 'Starting…' : 'Start benchmark'}
        </button>
        {checked.ok ? (
          <span className="muted small">about {fmtDuration(estimateSeconds(f) * 1000)} on {host?.label ?? f.host}</span>
        ) : (
          <span className="hc-warn" data-testid="bench-form-invalid">{checked.error}</span>
        )}
      </div>
      {refused?.code === 'HOST_BUSY' ? (
        <div className="hc-confirm" data-testid="bench-takeover">
          <p>
            <strong>{host?.label ?? f.host} is serving other traffic.</strong> {refused.message}
          </p>
          <p className="muted small">Taking over runs the benchmark anyway; any point that sees requests other than its own is flagged contaminated.</p>
          <button type="button" className="hc-btn danger" disabled={sending} onClick={() => void submit(true)} data-testid="bench-takeover-confirm">
            Take over and run
          </button>
          <button type="button" className="hc-btn ghost" onClick={() => setRefused(null)}>
            Not now
          </button>
        </div>
      ) : (
        refused && (
          <div className="bench-error" data-testid="bench-error" data-code={refused.code}>
            <strong>{refused.code}</strong> {refused.message}
            {refused.lines.length > 0 && (
              <ul>
                {refused.lines.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            )}
          </div>
        )
      )}
    </form>
  );
}
