import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { WhoAmISchema, type WhoAmI } from '@boocontrol/contracts';
import { clearToken, getToken, onAuthRequired, setToken } from '../api/auth-token';
import { getControlStream } from '../live/context';

/** Asks control who we are, with a token (a candidate) or without one. */
async function whoami(token: string | null): Promise<WhoAmI> {
  const res = await fetch('/api/control/auth/whoami', { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`control answered ${res.status}`);
  return WhoAmISchema.parse(await res.json());
}

type GateState = { kind: 'checking' } | { kind: 'ready'; who: WhoAmI } | { kind: 'ask'; mode: WhoAmI['mode']; note: string | null } | { kind: 'unreachable'; message: string };

const WhoContext = createContext<{ who: WhoAmI | null; signOut(): void }>({ who: null, signOut: () => undefined });
export const useWhoAmI = () => useContext(WhoContext);

/**
 * In front of the whole page. CONTROL_AUTH=off (or a trusted proxy's user) goes straight in;
 * with CONTROL_AUTH=token the page asks once for an API token, checks it with control, keeps it
 * in this browser, and asks again only when control stops accepting it (revoked, expired).
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<GateState>({ kind: 'checking' });

  const check = useCallback(async (note: string | null = null) => {
    const stored = getToken();
    try {
      const who = await whoami(stored);
      if (who.authenticated) {
        // REST still takes the credentials: a stream that gave up on them tries again.
        const stream = getControlStream();
        if (stream.status === 'unauthorized') stream.restart();
        return setState({ kind: 'ready', who });
      }
      if (stored) clearToken();
      setState({ kind: 'ask', mode: who.mode, note: stored ? (note ?? 'The saved token is no longer accepted.') : note });
    } catch (err) {
      setState({ kind: 'unreachable', message: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  useEffect(() => {
    void check();
    return onAuthRequired(() => void check('Control no longer accepts the token (revoked or expired).'));
  }, [check]);

  useEffect(() => {
    if (state.kind !== 'unreachable') return;
    const t = setTimeout(() => void check(), 3000);
    return () => clearTimeout(t);
  }, [state, check]);

  const signOut = useCallback(() => {
    clearToken();
    getControlStream().stop();
    void check();
  }, [check]);

  if (state.kind === 'checking') return <div className="auth-gate muted">Connecting to control…</div>;
  if (state.kind === 'unreachable') return <div className="auth-gate muted">Control is unreachable ({state.message}); retrying…</div>;
  if (state.kind === 'ask') return <TokenForm note={state.note} mode={state.mode} onAccepted={(who) => setState({ kind: 'ready', who })} />;
  return <WhoContext.Provider value={{ who: state.who, signOut }}>{children}</WhoContext.Provider>;
}

function TokenForm({ note, mode, onAccepted }: { note: string | null; mode: WhoAmI['mode']; onAccepted: (who: WhoAmI) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      const who = await whoami(token);
      if (!who.authenticated) {
        setError('Control does not accept this token (unknown, expired or revoked).');
        return;
      }
      setToken(token);
      // The stream may have given up on the old credentials; it starts over with the new ones.
      getControlStream().restart();
      onAccepted(who);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="auth-gate">
      <form className="auth-card" onSubmit={(e) => void submit(e)} data-testid="token-form">
        <h1 className="page-title">
          <span className="numeral">BOO</span>CONTROL
        </h1>
        <p>
          This control requires an API token{mode === 'proxy' ? ' (or sign-in through your auth proxy)' : ''}. It is kept in this browser until you sign out.
        </p>
        {note && <p className="auth-note">{note}</p>}
        <label>
          API token
          <input type="password" autoComplete="off" spellCheck={false} className="mono" value={value} onChange={(e) => setValue(e.target.value)} placeholder="boo_…" data-testid="token-input" autoFocus />
        </label>
        <button type="submit" className="primary" disabled={busy || !value.trim()} data-testid="token-submit">
          {busy ? 'Checking…' : 'Continue'}
        </button>
        {error && <p className="auth-error" role="alert">{error}</p>}
        <p className="small muted">
          Create one with <span className="mono">pnpm boo token create --label me --scope act</span> (the first admin token is in secrets/control-admin.token).
        </p>
      </form>
    </div>
  );
}
