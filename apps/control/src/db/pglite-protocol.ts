/**
 * The message protocol between control's thread and the PGlite worker (pglite-worker.ts).
 * Values cross by structured clone, which keeps every type PGlite takes and returns (Date,
 * bigint, Uint8Array, arrays, plain objects for json/jsonb); errors are flattened here and
 * rebuilt as the same classes with the same fields (code, detail, constraint…), so callers see
 * what the in-process PGlite throws.
 */
import { messages, TransactionAbortedError } from '@electric-sql/pglite';

export interface WorkerInit {
  /** undefined = in-memory */
  dataDir: string | undefined;
}

/** `tx` names the transaction a statement belongs to; the worker runs one transaction's statements in order. */
export type Request =
  | { id: number; op: 'query'; sql: string; params: readonly unknown[] | undefined; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'commit'; tx: number }
  | { id: number; op: 'rollback'; tx: number }
  | { id: number; op: 'close' };

export interface EncodedError {
  kind: 'database' | 'aborted' | 'error';
  name: string;
  message: string;
  stack: string | undefined;
  /** The error's own fields (Postgres: severity, code, detail, hint, position, constraint…). */
  fields: Record<string, unknown>;
}

export type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: EncodedError };

/** The worker's first message: ready, or why PGlite could not start. */
export type Hello = { type: 'ready' } | { type: 'failed'; error: EncodedError };

export function encodeError(err: unknown): EncodedError {
  if (!(err instanceof Error)) return { kind: 'error', name: 'Error', message: String(err), stack: undefined, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'name' || k === 'message' || k === 'stack' || typeof v === 'function') continue;
    try {
      fields[k] = structuredClone(v);
    } catch {
      // not cloneable (a caller's exotic parameter): leave it out rather than lose the error
    }
  }
  const kind = err instanceof TransactionAbortedError ? 'aborted' : err instanceof messages.DatabaseError ? 'database' : 'error';
  return { kind, name: err.name, message: err.message, stack: err.stack, fields };
}

export function decodeError(e: EncodedError): Error {
  const err: Error =
    e.kind === 'aborted' ? new TransactionAbortedError() : e.kind === 'database' ? new messages.DatabaseError(e.message, Number(e.fields.length ?? 0), e.name as messages.MessageName) : new Error(e.message);
  Object.assign(err, e.fields);
  if (e.kind === 'error' && e.name !== 'Error') err.name = e.name;
  // the worker's frames say where PGlite failed; the caller's await chain adds its own
  err.stack = `${e.stack ?? `${e.name}: ${e.message}`}\n    at (PGlite worker thread)`;
  return err;
}
