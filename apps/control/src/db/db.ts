/**
 * The Db seam: the only way the rest of control reaches a database. Two implementations
 * (pg Pool and embedded PGlite) behind the same three verbs, so repositories and tests run
 * unchanged on either. SQL lives only in `*.repo.ts` files that take a `Queryable`.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export type DbBackend = 'pglite' | 'postgres';

export interface Db extends Queryable {
  readonly backend: DbBackend;
  /** Runs several statements without parameters (schema files). */
  exec(sql: string): Promise<void>;
  /** Runs fn inside one transaction; rolls back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** int8 (bigint/bigserial) columns come back as JS numbers: every id we store is far below 2^53. */
export const INT8_OID = 20;
export const parseInt8 = (v: string): number => Number(v);
