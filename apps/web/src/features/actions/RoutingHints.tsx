import { useEffect, useState } from 'react';
import { RoutingScoresSchema, type RoutingScore } from '@boocontrol/contracts';
import { api } from '../../api/client';

const HINTS = [
  { policy: 'code', label: 'best loaded for coding' },
  { policy: 'best', label: 'best loaded overall' },
  { policy: 'fast', label: 'fastest loaded' },
] as const;

interface Hint {
  label: string;
  top: RoutingScore;
}

/**
 * The gateway's advisory scores in the model picker: per policy, the best candidate that is
 * already loaded (so picking it costs no swap), with its score and inputs in the tooltip.
 */
export function RoutingHints({ host }: { host?: string | null | undefined }) {
  const [hints, setHints] = useState<Hint[] | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    Promise.all(HINTS.map((h) => api('/routing/scores', RoutingScoresSchema, { query: { policy: h.policy }, signal: ac.signal }).then((r) => ({ h, r }))))
      .then((all) => {
        const out: Hint[] = [];
        for (const { h, r } of all) {
          const top = r.scores.find((s) => s.score !== null && s.state === 'ready' && (!host || s.hostId === host));
          if (top) out.push({ label: h.label, top });
        }
        setHints(out);
      })
      .catch(() => setHints([]));
    return () => ac.abort();
  }, [host]);
  if (!hints || hints.length === 0) return null;
  return (
    <ul className="ax-hints" data-testid="routing-hints">
      {hints.map(({ label, top }) => (
        <li
          key={label}
          title={`score ${top.score} · quality ${top.inputs.quality ? Math.round(top.inputs.quality.score) : 'no evals'} · predicted TTFT ${top.inputs.predictedTtftMs === null ? 'unknown' : `${Math.round(top.inputs.predictedTtftMs)} ms`} · ${top.inputs.inflight} in flight`}
        >
          <span className="muted">{label}:</span> {top.model} <span className="muted">on {top.hostId}</span>
        </li>
      ))}
    </ul>
  );
}
