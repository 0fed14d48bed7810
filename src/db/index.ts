import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Database } from './types.js';

export type { Caller, Database, Engine, JwtClaims, Queryable, QueryResult, Row, Session } from './types.js';
export { DataDirLockedError } from './pglite.js';
export { elevateToService, SERVICE_ROLE } from './caller.js';

export interface DatabaseTarget {
  /** `postgres://…`; when absent the embedded PGlite database in `dataDir` is used. */
  url?: string;
  dataDir: string;
  poolSize?: number;
}

/** Opens PostgreSQL when a URL is given, the embedded PGlite database otherwise. */
export function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.url) return openPostgres({ url: target.url, max: target.poolSize });
  return openPglite({ dataDir: target.dataDir });
}
