import { openPglite } from './pglite.js';
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

/**
 * Opens PostgreSQL when a URL is given, the embedded PGlite database otherwise. The pg driver is
 * loaded only when it is used (it costs an embedded start ~0.1 s).
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (!target.url) return openPglite({ dataDir: target.dataDir });
  const { openPostgres } = await import('./postgres.js');
  return openPostgres({ url: target.url, max: target.poolSize });
}
