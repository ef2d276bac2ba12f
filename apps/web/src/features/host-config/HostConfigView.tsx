import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useFleet } from '../../live/context';
import { BackupList } from './BackupList';
import { ConfigEditorPanel } from './ConfigEditorPanel';
import { PullPanel } from './PullPanel';
import { SshSettingsPanel } from './SshSettingsPanel';
import './host-config.css';

/**
 * A host's config page (route `hosts/:hostId/config` under /control): SSH mode and settings,
 * the llama-swap config editor with validation, diff and apply, backups, and model pulls.
 */
export function HostConfigView() {
  const { hostId } = useParams();
  const fleet = useFleet();
  // Bumped when something changed the host's file, so the editor and backups reload.
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  return (
    <div className="hc-view" data-testid="host-config-view">
      <nav className="hc-hosts" aria-label="Hosts">
        {fleet?.hosts.map((h) => (
          <Link key={h.id} to={`/control/hosts/${encodeURIComponent(h.id)}/config`} className={`hc-host${h.id === hostId ? ' active' : ''}`}>
            {h.label}
          </Link>
        ))}
      </nav>
      {!hostId ? (
        <p className="muted">Pick a host to edit its llama-swap config over SSH.</p>
      ) : (
        <div className="hc-columns" key={hostId}>
          <div className="hc-main">
            <ConfigEditorPanel hostId={hostId} reloadKey={version} onApplied={bump} />
          </div>
          <div className="hc-side">
            <SshSettingsPanel hostId={hostId} onSaved={bump} />
            <PullPanel hostId={hostId} />
            <BackupList hostId={hostId} reloadKey={version} onRestored={bump} />
          </div>
        </div>
      )}
    </div>
  );
}
