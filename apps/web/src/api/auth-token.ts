/**
 * The API token the page uses with CONTROL_AUTH=token. Asked for once and kept in this
 * browser's localStorage (the page has no server-side session to keep it in), sent as
 * `Authorization: Bearer` on REST and in the WS hello frame. Never in a URL, never logged.
 */
const KEY = 'boocontrol.apiToken';
const listeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled: the token lives only as long as the page
  }
}

let memory: string | null = null;

export function getToken(): string | null {
  return storage()?.getItem(KEY) ?? memory;
}

export function setToken(token: string): void {
  memory = token;
  storage()?.setItem(KEY, token);
}

export function clearToken(): void {
  memory = null;
  storage()?.removeItem(KEY);
}

/** Control answered 401 (the token was revoked or expired): whoever shows the token prompt listens. */
export function onAuthRequired(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function authRequired(): void {
  for (const l of listeners) l();
}
