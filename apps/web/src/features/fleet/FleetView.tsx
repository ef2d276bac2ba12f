import type { HostSummary } from '@boocontrol/contracts';
import { useFleet, useStreamStatus } from '../../live/context';
import { HostCard } from './HostCard';
import './fleet.css';

function Summary({ hosts }: { hosts: HostSummary[] }) {
  const online = hosts.filter((h) => h.status === 'online').length;
  const degraded = hosts.filter((h) => h.status === 'degraded').length;
  const offline = hosts.filter((h) => h.status === 'offline').length;
  const loaded = hosts.reduce((n, h) => n + h.models.filter((m) => m.state === 'ready').length, 0);
  const inflight = hosts.reduce((n, h) => n + (h.inflightTotal ?? h.inflight.length), 0);
  const gpus = hosts.flatMap((h) => h.perf?.gpus ?? []);
  const vramUsed = gpus.reduce((n, g) => n + g.memUsedMb, 0);
  const vramTotal = gpus.reduce((n, g) => n + g.memTotalMb, 0);
  const watts = gpus.reduce((n, g) => n + g.powerW, 0);
  return (
    <div className="fleet-summary" data-testid="fleet-summary">
      <div className="stat">
        <span className="stat-value numeral">
          {online}
          <span className="muted">/{hosts.length}</span>
        </span>
        <span className="stat-label">hosts online</span>
      </div>
      {degraded > 0 && (
        <div className="stat warn">
          <span className="stat-value numeral">{degraded}</span>
          <span className="stat-label">degraded</span>
        </div>
      )}
      {offline > 0 && (
        <div className="stat bad">
          <span className="stat-value numeral">{offline}</span>
          <span className="stat-label">offline</span>
        </div>
      )}
      <div className="stat">
        <span className="stat-value numeral">{loaded}</span>
        <span className="stat-label">models ready</span>
      </div>
      <div className="stat">
        <span className="stat-value numeral">{inflight}</span>
        <span className="stat-label">in flight</span>
      </div>
      {vramTotal > 0 && (
        <div className="stat">
          <span className="stat-value numeral">{Math.round((vramUsed / vramTotal) * 100)}%</span>
          <span className="stat-label">fleet VRAM</span>
        </div>
      )}
      {gpus.length > 0 && (
        <div className="stat">
          <span className="stat-value numeral">{Math.round(watts)} W</span>
          <span className="stat-label">GPU power</span>
        </div>
      )}
    </div>
  );
}

export function FleetView() {
  const fleet = useFleet();
  const status = useStreamStatus();
  if (!fleet) return <div className="muted" data-testid="fleet-loading">{status === 'offline' ? 'Control is unreachable; retrying…' : 'Connecting to control…'}</div>;
  if (fleet.hosts.length === 0) return <div className="muted">No hosts configured. Set LLAMA_PROVIDERS in .env.host, or start with DEMO_FLEET=on.</div>;
  return (
    <div className="fleet">
      <Summary hosts={fleet.hosts} />
      <div className="fleet-grid" data-testid="fleet-grid">
        {fleet.hosts.map((h) => (
          <HostCard key={h.id} host={h} />
        ))}
      </div>
    </div>
  );
}
