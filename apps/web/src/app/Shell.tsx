import { NavLink, Outlet } from 'react-router';
import { useStreamStatus } from '../live/context';
import { CONTROL_VIEWS } from './nav';
import { ActionsLayer } from '../features/actions/ActionsLayer';
import { Icon } from '../components/Icon';
import { useWhoAmI } from './AuthGate';

function StreamBadge() {
  const status = useStreamStatus();
  return (
    <span className={`stream-badge stream-${status}`} data-testid="stream-status" title="control stream">
      <span className="dot" /> {status}
    </span>
  );
}

/** Who the page acts as, when control checks at all; a token user can forget the token here. */
function WhoBadge() {
  const { who, signOut } = useWhoAmI();
  const p = who?.principal;
  if (!who || who.mode === 'off' || !p) return null;
  return (
    <span className="who" data-testid="who">
      {p.name} · {p.scopes.join(', ')}
      {p.kind === 'token' && (
        <button type="button" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      )}
    </span>
  );
}

/** The host app's frame: a left nav with the Control entry, and the Control page's view tabs. */
export function Shell() {
  return (
    <div className="shell">
      <nav className="left-nav" aria-label="main">
        <div className="brand">
          <Icon name="brand" className="brand-mark" /> Boo
        </div>
        <NavLink to="/control" className="nav-entry">
          <Icon name="pulse" className="nav-icon" /> Control
        </NavLink>
      </nav>
      <main className="page">
        <header className="page-header">
          <h1 className="page-title">
            <span className="numeral">BOO</span>CONTROL
          </h1>
          <nav className="view-tabs" aria-label="control views">
            {CONTROL_VIEWS.map((v) => (
              <NavLink key={v.path} to={`/control/${v.path}`} className="view-tab">
                {v.label}
              </NavLink>
            ))}
          </nav>
          <StreamBadge />
          <WhoBadge />
        </header>
        <section className="view">
          <Outlet />
        </section>
        <ActionsLayer />
      </main>
    </div>
  );
}
