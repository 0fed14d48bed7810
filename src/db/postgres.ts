import pg from 'pg';
import { callerSettings, callRowsStatement, callStatement } from './caller.js';
import type { Caller, Database, Queryable, QueryResult, Row, Session } from './types.js';

// Same value shapes as the PGlite driver: int8 as number (counts, sums of cents stay far below 2^53),
// `date` as 'YYYY-MM-DD' text rather than a Date at local midnight.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    if (oid === pg.types.builtins.DATE) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const result = await client.query(text, params as unknown[] | undefined);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  private readonly q: Queryable;

  constructor(private readonly pool: pg.Pool) {
    this.q = wrap(pool);
  }

  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(text, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inTransaction('begin', fn);
  }

  /**
   * As `transaction`, but BEGIN and the caller's settings travel as one simple-protocol query
   * (one round trip fewer per request); the two values are quoted by the driver's escapeLiteral.
   */
  asCaller<T>(caller: Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const [role, claims] = callerSettings(caller);
    return this.inTransaction(
      `begin; select set_config('role', ${pg.escapeLiteral(role)}, true), set_config('request.jwt.claims', ${pg.escapeLiteral(claims)}, true)`,
      fn,
    );
  }

  /** Runs `fn` on one pooled client between `begin` (any opening script) and commit, rolling back on error. */
  private async inTransaction<T>(begin: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      const result = await fn(wrap(client));
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async call<T = unknown>(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<T> {
    return (await this.callOnce(caller, fn, args, false)) as T;
  }

  async callText(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<string> {
    return (await this.callOnce(caller, fn, args, true)) as string;
  }

  async callRows<T = Row>(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query({
      name: `rm:${fn}/${args.length}:rows`,
      text: callRowsStatement(fn, args.length),
      values: [...callerSettings(caller), ...args],
    });
    return result.rows as T[];
  }

  /** A named (prepared once per connection) statement: parse and plan are not repeated. */
  private async callOnce(caller: Caller, fn: string, args: readonly unknown[], asText: boolean): Promise<unknown> {
    const result = await this.pool.query({
      name: `rm:${fn}/${args.length}${asText ? ':text' : ''}`,
      text: callStatement(fn, args.length, asText),
      values: [...callerSettings(caller), ...args],
    });
    return (result.rows[0] as { result: unknown } | undefined)?.result;
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      const q = wrap(client);
      return await fn({ query: q.query, exec: async (sql) => void (await client.query(sql)) });
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface PostgresOptions {
  url: string;
  /** Connections in the pool. */
  max?: number;
  applicationName?: string;
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'recovery-machine',
    types: typeParsers,
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', (err) => console.error(`postgres pool: ${err.message}`));
  return new PostgresDatabase(pool);
}
