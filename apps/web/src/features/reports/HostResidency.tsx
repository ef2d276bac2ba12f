import { useEffect, useState } from 'react';
import type { ResidencyReport } from '@boocontrol/contracts';
import { fetchResidency } from './reports.api';
import { Swimlane } from './Swimlane';
import './reports.css';

/** The host detail's residency swimlane: the last 24 h of one host, refreshed every 30 s. */
export function HostResidency({ hostId }: { hostId: string }) {
  const [r, setR] = useState<ResidencyReport | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    const load = () =>
      fetchResidency({ range: '24h' }, hostId, ac.signal)
        .then(setR)
        .catch(() => undefined);
    void load();
    const t = setInterval(load, 30_000);
    return () => {
      ac.abort();
      clearInterval(t);
    };
  }, [hostId]);
  return (
    <div className="panel" data-testid="host-residency">
      <h4>Residency · last 24 h</h4>
      {r && <Swimlane hosts={r.hosts} from={r.from} to={r.to} />}
    </div>
  );
}
