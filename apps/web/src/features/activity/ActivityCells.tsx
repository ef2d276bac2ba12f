import type { ActivityRow, ActivityRowLive } from '@boocontrol/contracts';
import { Icon } from '../../components/Icon';
import { fmtDuration, fmtInt, fmtMs, fmtTime, fmtTps } from '../fleet/ui/format';
import type { ViewFilters } from './filters';

export const TTFT_DEFINITION =
  'Time to first token: from the request reaching the host to its first generated token (queueing, a model load it waited for, prompt processing). ' +
  'Taken from llama-server timings: the duration minus the generation time (predicted_ms).';

export const COLUMNS: Array<{ key: string; label: string; sort?: ViewFilters['sort']; num?: boolean; title?: string }> = [
  { key: 'ts', label: 'time', sort: 'ts' },
  { key: 'host', label: 'host' },
  { key: 'model', label: 'model' },
  { key: 'path', label: 'path' },
  { key: 'status', label: 'status', num: true },
  { key: 'in', label: 'in', sort: 'inputTokens', num: true, title: 'prompt tokens processed (cached ones not counted)' },
  { key: 'out', label: 'out', sort: 'outputTokens', num: true },
  { key: 'cache', label: 'cache', num: true, title: 'prompt tokens reused from the KV cache' },
  { key: 'ttft', label: 'ttft', sort: 'ttft', num: true, title: TTFT_DEFINITION },
  { key: 'pp', label: 'prompt t/s', sort: 'promptTps', num: true },
  { key: 'tg', label: 'gen t/s', sort: 'genTps', num: true },
  { key: 'dur', label: 'duration', sort: 'duration', num: true },
  { key: 'cap', label: 'capture' },
];

/** Why a row has no TTFT, in the words of what the host sent. */
export function noTtftReason(r: ActivityRowLive): string {
  if (r.status < 200 || r.status > 299) return 'The request failed: the host reported no timings, so there is no time to first token.';
  if (/embedding/.test(r.path)) return 'Embeddings generate no tokens: there is no first token to time.';
  if (r.outputTokens === 0) return 'Nothing was generated: there is no first token to time.';
  return 'The host reported no llama-server timings for this request (another backend, the Responses API, or llama-swap older than v160), so its time to first token is unknown.';
}

function TtftCell({ r }: { r: ActivityRowLive }) {
  if (r.ttftMs === null) {
    return (
      <td className="num muted unknown" title={noTtftReason(r)} data-testid="ttft" data-ttft="">
        —
      </td>
    );
  }
  const before = r.promptMs !== null ? Math.max(0, r.ttftMs - r.promptMs) : null;
  const title = [
    `Time to first token ${fmtMs(r.ttftMs)}`,
    r.promptMs !== null ? `prompt processing ${fmtMs(r.promptMs)} (llama-server prompt_ms, ${fmtInt(r.inputTokens)} new tokens${r.cacheTokens > 0 ? `, ${fmtInt(r.cacheTokens)} from the cache` : ''})` : null,
    before !== null ? `waiting before it ${fmtMs(before)} (queue, model load)` : null,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <td className="num" title={title} data-testid="ttft" data-ttft={r.ttftMs}>
      {fmtMs(r.ttftMs)}
    </td>
  );
}

function CacheCell({ r }: { r: ActivityRowLive }) {
  if (r.cacheTokens < 0) {
    return (
      <td className="num muted unknown" title="The host does not report KV cache use for this request.">
        —
      </td>
    );
  }
  if (r.cacheTokens === 0) return <td className="num muted">0</td>;
  const share = Math.round((r.cacheTokens / (r.cacheTokens + r.inputTokens)) * 100);
  return (
    <td className="num cache-hit" title={`Cache hit: ${fmtInt(r.cacheTokens)} prompt tokens reused from the KV cache (${share}% of the prompt), ${fmtInt(r.inputTokens)} processed`} data-testid="cache-hit">
      <Icon name="bolt" /> {fmtInt(r.cacheTokens)}
    </td>
  );
}

/** Who sent a gateway request and how it was routed (history rows carry it once joined). */
function gatewayTitle(r: ActivityRowLive): string | undefined {
  const g = (r as Partial<ActivityRow>).gateway;
  if (!g) return undefined;
  return `${r.model}\nvia the gateway for ${g.consumer}${g.session ? ` (session ${g.session})` : ''}\n${g.routeReason}\ngateway overhead ${fmtMs(g.overheadMs)}`;
}

/** The cells of one Activity row, in COLUMNS order. */
export function ActivityCells({ r }: { r: ActivityRowLive }) {
  return (
    <>
      <td className="mono">{fmtTime(r.ts)}</td>
      <td>{r.hostId}</td>
      <td className="model-cell" title={gatewayTitle(r) ?? r.model}>
        {r.model}
        {(r as Partial<ActivityRow>).gateway && (
          <span className="consumer-tag" data-testid="consumer-tag">
            {(r as ActivityRow).gateway!.consumer}
          </span>
        )}
      </td>
      <td className="mono muted">{r.path}</td>
      <td className={`num ${r.status >= 400 ? 'error-text' : ''}`} title={r.error ?? undefined}>
        {r.status}
      </td>
      <td className="num">{fmtInt(r.inputTokens)}</td>
      <td className="num">{fmtInt(r.outputTokens)}</td>
      <CacheCell r={r} />
      <TtftCell r={r} />
      <td className="num">{fmtTps(r.promptTps)}</td>
      <td className="num">{fmtTps(r.genTps)}</td>
      <td className="num">{fmtDuration(r.durationMs)}</td>
      <td className="cap-cell">{r.hasCapture ? <Icon name="capture" title="capture available: click the row" /> : null}</td>
    </>
  );
}
