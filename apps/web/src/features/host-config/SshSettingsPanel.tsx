import { useEffect, useState } from 'react';
import type { HostSshSettings, HostSshSettingsPatch, SshMode } from '@boocontrol/contracts';
import { ApiError } from '../../api/client';
import { hostConfigApi } from './host-config.api';

type Form = { sshMode: SshMode; host: string; port: string; user: string; identityFile: string; hostKey: string; configPath: string; restartCmd: string; modelsDir: string };

const toForm = (s: HostSshSettings): Form => ({
  sshMode: s.sshMode,
  host: s.ssh.host ?? '',
  port: s.ssh.port ? String(s.ssh.port) : '',
  user: s.ssh.user ?? '',
  identityFile: s.ssh.identityFile ?? '',
  hostKey: s.ssh.hostKey ?? '',
  configPath: s.configPath ?? '',
  restartCmd: s.restartCmd ?? '',
  modelsDir: s.modelsDir ?? '',
});

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

function toPatch(f: Form): HostSshSettingsPatch {
  return {
    sshMode: f.sshMode,
    ssh: { host: orNull(f.host), port: f.port.trim() ? Number(f.port) : null, user: orNull(f.user), identityFile: orNull(f.identityFile), hostKey: orNull(f.hostKey) },
    configPath: orNull(f.configPath),
    restartCmd: orNull(f.restartCmd),
    modelsDir: orNull(f.modelsDir),
  };
}

/** SSH mode selector and connection settings of one host. */
export function SshSettingsPanel({ hostId, onSaved }: { hostId: string; onSaved?: (s: HostSshSettings) => void }) {
  const [form, setForm] = useState<Form | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    hostConfigApi.settings(hostId).then(
      (s) => setForm(toForm(s)),
      (e: unknown) => setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) }),
    );
  }, [hostId]);

  if (!form) return <section className="hc-panel">{message ? <p className="hc-error">{message.text}</p> : <p className="muted">Loading SSH settings…</p>}</section>;
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const shell = form.sshMode === 'shell';

  return (
    <section className="hc-panel" data-testid="ssh-settings">
      <h3>SSH</h3>
      <div className="hc-mode" role="radiogroup" aria-label="SSH mode">
        {(['shell', 'wrapper'] as const).map((m) => (
          <label key={m} className={`hc-mode-opt${form.sshMode === m ? ' active' : ''}`}>
            <input type="radio" name="ssh-mode" value={m} checked={form.sshMode === m} onChange={() => setForm({ ...form, sshMode: m })} data-testid={`ssh-mode-${m}`} />
            <strong>{m}</strong>
            <span className="small muted">{m === 'shell' ? 'plain commands as the SSH user' : 'only boocontrol-wrapper.sh verbs (forced command)'}</span>
          </label>
        ))}
      </div>
      <div className="hc-grid">
        <label>Host<input value={form.host} onChange={set('host')} placeholder="gpu1.lan" /></label>
        <label>Port<input value={form.port} onChange={set('port')} placeholder="22" inputMode="numeric" /></label>
        <label>User<input value={form.user} onChange={set('user')} placeholder="boo" /></label>
        <label>Identity file (in secrets/)<input value={form.identityFile} onChange={set('identityFile')} placeholder="gpu1_ed25519" /></label>
        <label className="wide">Pinned host key<input value={form.hostKey} onChange={set('hostKey')} placeholder="ssh-ed25519 AAAA… or SHA256:…" className="mono" /></label>
        {shell && (
          <>
            <label className="wide">Config path<input value={form.configPath} onChange={set('configPath')} placeholder="/etc/llama-swap/config.yaml" className="mono" /></label>
            <label className="wide">Restart command<input value={form.restartCmd} onChange={set('restartCmd')} placeholder="sudo -n systemctl restart llama-swap" className="mono" /></label>
            <label className="wide">Models directory<input value={form.modelsDir} onChange={set('modelsDir')} placeholder="/srv/models" className="mono" /></label>
          </>
        )}
      </div>
      {!shell && <p className="small muted">Config path, restart command and models directory come from the wrapper's conf file on the host (docs/ssh-hosts.md).</p>}
      <div className="hc-actions">
        <button
          type="button"
          className="hc-btn"
          disabled={saving}
          data-testid="ssh-save"
          onClick={() => {
            setSaving(true);
            setMessage(null);
            hostConfigApi
              .patchSettings(hostId, toPatch(form))
              .then((s) => {
                setForm(toForm(s));
                setMessage({ kind: 'ok', text: 'Saved.' });
                onSaved?.(s);
              })
              .catch((e: unknown) => setMessage({ kind: 'error', text: e instanceof ApiError ? e.message : String(e) }))
              .finally(() => setSaving(false));
          }}
        >
          Save SSH settings
        </button>
        {message && <span className={message.kind === 'ok' ? 'hc-ok' : 'hc-error'}>{message.text}</span>}
      </div>
    </section>
  );
}
