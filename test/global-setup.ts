import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openPglite, dumpPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { migrate } from '../src/db/migrate.js';
import { adminUrl, databaseUrl, testDatabasePrefix } from './helpers/urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
  }
}

/** Migrates one template per engine; each test file clones it instead of migrating again. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'rm-test-'));
  const pglite = await openPglite();
  await migrate(pglite);
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await (await dumpPglite(pglite)).arrayBuffer()));
  await pglite.close();
  project.provide('pgliteTemplate', file);

  let template: string | null = null;
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    template = `rm_template_${process.pid}`;
    const admin = await openPostgres({ url: adminUrl(url), max: 1 });
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const db = await openPostgres({ url: databaseUrl(url, template), max: 1 });
    await migrate(db);
    await db.close();
    await admin.close();
  }
  project.provide('postgresTemplate', template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url && template) {
      const admin = await openPostgres({ url: adminUrl(url), max: 1 });
      const { rows } = await admin.query<{ datname: string }>(
        'select datname from pg_database where starts_with(datname, $1) or datname = $2',
        [testDatabasePrefix(template), template],
      );
      for (const row of rows) await admin.query(`drop database if exists "${row.datname}" with (force)`);
      await admin.close();
    }
  };
}
