import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors';

/**
 * A pinned SSH host key, from configuration. Two spellings are accepted:
 * - an OpenSSH public key line, `ssh-ed25519 AAAAC3Nz… [comment]` (what `ssh-keyscan` or
 *   `/etc/ssh/ssh_host_ed25519_key.pub` shows); the key type also restricts what we negotiate;
 * - a fingerprint, `SHA256:base64` (what `ssh-keygen -lf` shows).
 * Either way the server's key must match exactly, or no connection is made.
 */
export interface PinnedHostKey {
  /** Key algorithm from the public line, when known (e.g. `ssh-ed25519`). */
  type: string | null;
  /** SHA256 fingerprint as OpenSSH prints it: `SHA256:` + unpadded base64. */
  fingerprint: string;
  /** The raw public key blob, when the pin was a full public line. */
  blob: Buffer | null;
}

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|ssh-dss)$/;

export const fingerprintOf = (blob: Buffer): string => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

export function parsePinnedHostKey(pin: string): PinnedHostKey {
  const text = pin.trim();
  const fp = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text);
  if (fp) return { type: null, fingerprint: `SHA256:${fp[1]}`, blob: null };
  const parts = text.split(/\s+/);
  // Tolerate a known_hosts line (`host ssh-ed25519 AAAA…`) by skipping a leading host field.
  const at = parts.findIndex((p) => KEY_TYPES.test(p));
  const type = at >= 0 ? parts[at] : undefined;
  const b64 = at >= 0 ? parts[at + 1] : undefined;
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new AppError('VALIDATION', 'host key must be an OpenSSH public key line (ssh-ed25519 AAAA…) or a SHA256: fingerprint', { field: 'hostKey' });
  }
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with its own type name (uint32 length + string); it must agree with the line.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len <= 0 || blob.length < 4 + len || blob.subarray(4, 4 + len).toString('latin1') !== type) {
    throw new AppError('VALIDATION', `host key blob does not match its type ${type}`, { field: 'hostKey' });
  }
  return { type, fingerprint: fingerprintOf(blob), blob };
}

/** Whether the key a server presented is the pinned one. */
export function hostKeyMatches(pin: PinnedHostKey, presented: Buffer): boolean {
  if (pin.blob) return pin.blob.equals(presented);
  return fingerprintOf(presented) === pin.fingerprint;
}
