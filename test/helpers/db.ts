import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { Database, Engine } from '../../src/db/index.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { adminUrl, databaseUrl, testDatabasePrefix } from './urls.js';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const engines: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  engine: Engine;
  /** The owner connection (superuser): for fixtures and for `asCaller`. */
  db: Database;
  /** On PostgreSQL, the URL of this test's database (for second connections or server processes). */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database cloned from the run's template. */
export async function freshDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const tarball = new Blob([readFileSync(inject('pgliteTemplate'))]);
    const db = await openPglite({ loadDataDir: tarball });
    return { engine, db, drop: () => db.close() };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const template = inject('postgresTemplate');
  if (!template) throw new Error('no PostgreSQL template was prepared');
  // Named after this run's template, so a run's teardown drops only its own databases.
  const name = `${testDatabasePrefix(template)}${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url: adminUrl(base), max: 1 });
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.close();
  }
  const url = databaseUrl(base, name);
  const db = await openPostgres({ url, max: 20 });
  return {
    engine,
    db,
    url,
    async drop() {
      await db.close();
      const admin = await openPostgres({ url: adminUrl(base), max: 1 });
      await admin.query(`drop database if exists ${name} with (force)`).finally(() => admin.close());
    },
  };
}
