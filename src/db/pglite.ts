import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { becomeCaller, callerSettings, callRowsStatement, callStatement } from './caller.js';
import type { Caller, Database, Queryable, QueryResult, Row, Session } from './types.js';

/** Keep `date` columns as 'YYYY-MM-DD' strings, as the pg driver is set up to. */
const parsers = { [types.DATE]: (value: string) => value };

export class DataDirLockedError extends Error {
  constructor(dataDir: string) {
    super(
      `The data directory ${dataDir} is in use by another process (embedded PGlite is single-process). ` +
        'Stop the other process, point DATA_DIR elsewhere, or use PostgreSQL via DATABASE_URL. ' +
        '(After a crash the lock goes stale within 15 s.)',
    );
    this.name = 'DataDirLockedError';
  }
}

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      const result = await q.query<T>(text, params as unknown[] | undefined);
      // As pg reports it: rows returned for queries, rows affected for writes without RETURNING.
      const rowCount = result.fields.length > 0 ? Math.max(result.rows.length, result.affectedRows ?? 0) : (result.affectedRows ?? 0);
      return { rows: result.rows, rowCount };
    },
  };
}

class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  private readonly q: Queryable;

  constructor(
    private readonly pg: PGlite,
    private readonly release: () => Promise<void>,
  ) {
    this.q = wrap(pg);
  }

  /** The PGlite instance itself, for pg-boss's `fromPglite` adapter (it shares the one connection). */
  get instance(): PGlite {
    return this.pg;
  }

  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.q.query<T>(text, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(wrap(tx)));
  }

  asCaller<T>(caller: Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(async (tx) => {
      await becomeCaller(tx, caller);
      return fn(tx);
    });
  }

  async call<T = unknown>(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<T> {
    const { rows } = await this.pg.query<{ result: T }>(callStatement(fn, args.length, false), [...callerSettings(caller), ...args]);
    return rows[0]?.result as T;
  }

  async callText(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<string> {
    const { rows } = await this.pg.query<{ result: string }>(callStatement(fn, args.length, true), [...callerSettings(caller), ...args]);
    return rows[0]?.result as string;
  }

  async callRows<T = Row>(caller: Caller, fn: string, args: readonly unknown[] = []): Promise<T[]> {
    return (await this.pg.query<T>(callRowsStatement(fn, args.length), [...callerSettings(caller), ...args])).rows;
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    // PGlite has exactly one connection; it is the session.
    return fn({ ...this.q, query: this.q.query, exec: async (sql) => void (await this.pg.exec(sql)) });
  }

  dump(): Promise<File | Blob> {
    return this.pg.dumpDataDir('none');
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
    await this.release();
  }
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

/**
 * Starts compiling PGlite's WebAssembly (9 MB) now, on V8's background threads, so the compile
 * overlaps whatever the caller loads next; `openPglite` uses the result. PGlite compiles it only
 * once it is far into its own start. A failure here leaves PGlite to compile it itself.
 */
export function precompilePglite(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    const wasm = new URL('pglite.wasm', `file://${createRequire(import.meta.url).resolve('@electric-sql/pglite')}`);
    return WebAssembly.compile(await readFile(wasm));
  })().catch(() => undefined);
  return compiled;
}

export interface PgliteOptions {
  /** A directory for the data, or undefined for an in-memory database. */
  dataDir?: string;
  /** A data dir tarball (from `dumpDataDir`) to start from: how tests clone the migrated template. */
  loadDataDir?: Blob | File;
}

/** Opens the embedded database, holding a lock on its data dir so a second process fails cleanly. */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  let release = async () => {};
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    try {
      release = await lockfile.lock(options.dataDir, {
        stale: 15_000,
        update: 5_000,
        realpath: false,
        onCompromised: (err) => console.error(`lost the lock on ${options.dataDir}: ${err.message}`),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirLockedError(options.dataDir);
      throw err;
    }
  }
  try {
    const pgliteWasmModule = await precompilePglite();
    const pg = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir, parsers, pgliteWasmModule });
    return new PgliteDatabase(pg, release);
  } catch (err) {
    await release();
    throw err;
  }
}

/** A migrated in-memory database as a tarball, to clone per test file. */
export async function dumpPglite(db: Database): Promise<File | Blob> {
  if (!(db instanceof PgliteDatabase)) throw new Error('not a PGlite database');
  return db.dump();
}

/** The PGlite instance behind an embedded Database (pg-boss shares its one connection); an error for any other database. */
export function embeddedPglite(db: Database): PGlite {
  if (db instanceof PgliteDatabase) return db.instance;
  throw new Error('not an embedded (PGlite) database');
}
