import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '../lib/errors';

/** A secret reference is a plain file name under secrets/: no paths, no dot files. */
export const SECRET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The one rule for reading a secret (an API key file named by a host's apiKeyRef): the name is
 * a plain file name, its realpath lies inside the secrets dir (no `..`, no symlink out), and the
 * file holds a non-empty value. Anything else is a typed VALIDATION error that names the
 * reference, never the content.
 */
export async function readSecret(secretsDir: string, ref: string): Promise<string> {
  if (!SECRET_REF.test(ref)) throw new AppError('VALIDATION', 'apiKeyRef must be a file name under secrets/', { apiKeyRef: ref });
  let file: string;
  try {
    const root = await realpath(resolve(secretsDir));
    file = await realpath(resolve(root, ref));
    const rel = relative(root, file);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new AppError('VALIDATION', `secrets/${ref} points outside the secrets dir`, { apiKeyRef: ref });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('VALIDATION', `API key file secrets/${ref} is missing or empty`, { apiKeyRef: ref });
  }
  const value = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (!value) throw new AppError('VALIDATION', `API key file secrets/${ref} is missing or empty`, { apiKeyRef: ref });
  return value;
}

/** For callers that carry on without a key (a probe, an action): null instead of the error. */
export async function readSecretOrNull(secretsDir: string, ref: string | null): Promise<string | null> {
  if (!ref) return null;
  return readSecret(secretsDir, ref).catch(() => null);
}
