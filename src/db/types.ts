/** A row as the drivers return it: column name to parsed value. */
export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  /** Rows returned or affected. */
  rowCount: number;
}

/** Anything that runs one parameterized statement: the database, a transaction, a session. */
export interface Queryable {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

/** One dedicated connection: statements run in order on the same session (advisory locks, SET). */
export interface Session extends Queryable {
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** Supabase-style JWT claims, as PostgREST hands them to the database in `request.jwt.claims`. */
export interface JwtClaims {
  sub: string;
  role: 'authenticated';
  email?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  session_id?: string;
  [claim: string]: unknown;
}

/**
 * Who a transaction runs as. `anon` and `authenticated` are the PostgREST roles under RLS;
 * `service_role` bypasses RLS and is used only by named privileged operations.
 */
export type Caller =
  | { role: 'anon' }
  | { role: 'authenticated'; claims: JwtClaims }
  | { role: 'service_role' };

export type Engine = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly engine: Engine;
  /** A transaction as the connecting role (owner work: migrations, CLI). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A transaction that first switches to the caller's role and claims, as PostgREST does. */
  asCaller<T>(caller: Caller, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls one database function as the caller in ONE round trip: a single statement sets the
   * role and the JWT claims (transaction-local, as PostgREST does) and then calls `fn`, all in
   * the statement's own transaction. `fn` is a schema-qualified function (`api.book_session`)
   * returning one value, usually jsonb; it runs under the caller's role, so RLS applies inside.
   */
  call<T = unknown>(caller: Caller, fn: string, args?: readonly unknown[]): Promise<T>;
  /** As `call`, but returns the function's (json) result as text, unparsed: to send as it is. */
  callText(caller: Caller, fn: string, args?: readonly unknown[]): Promise<string>;
  /**
   * As `call`, for a set-returning function (`returns table (...)`): its rows, in the order it
   * returns them. Still one statement that sets the caller before the function runs.
   */
  callRows<T = Row>(caller: Caller, fn: string, args?: readonly unknown[]): Promise<T[]>;
  /** A dedicated session for work that must stay on one connection. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
