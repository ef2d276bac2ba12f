import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { GatewayUsageSchema, type GatewayUsage } from '@boocontrol/contracts';
import { api } from '../../api/client';
import { fmtInt } from '../fleet/ui/format';

/**
 * Tokens by consumer through the fleet gateway (last 24 h): per consumer and model, requests and
 * the host-reported tokens of the joined activity rows. Optional `host` narrows it (Fleet detail).
 */
export function ConsumerUsage({ host }: { host?: string }) {
  const [usage, setUsage] = useState<GatewayUsage | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    const load = () =>
      api('/gateway/usage', GatewayUsageSchema, { query: { host }, signal: ac.signal })
        .then(setUsage)
        .catch(() => undefined);
    void load();
    const t = setInterval(load, 15_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [host]);
  const groups = (usage?.groups ?? []).filter((g) => g.hostId !== null);
  if (groups.length === 0) return null;
  return (
    <section className="consumer-usage" data-testid="consumer-usage">
      <h3>Tokens by consumer · gateway, last 24 h</h3>
      <div className="models-panel panel">
      <table className="table models-table">
        <thead>
          <tr>
            <th>consumer</th>
            <th>model</th>
            <th>host</th>
            <th className="num">requests</th>
            <th className="num">in</th>
            <th className="num">out</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={`${g.consumer}/${g.hostId}/${g.model}`}>
              <td>
                <Link to={`/control/activity?consumer=${encodeURIComponent(g.consumer)}`}>{g.consumer}</Link>
              </td>
              <td>{g.model}</td>
              <td>{g.hostId}</td>
              <td className="num">
                {fmtInt(g.requests)}
                {g.errors > 0 && <span className="error-text small"> ({g.errors} err)</span>}
              </td>
              <td className="num">{fmtInt(g.inputTokens)}</td>
              <td className="num">{fmtInt(g.outputTokens)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </section>
  );
}
