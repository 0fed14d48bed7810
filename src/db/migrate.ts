import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Session } from './types.js';

/** The project root, from src/db or dist/db alike. */
const root = fileURLToPath(new URL('../../', import.meta.url));
export const migrationsDir = `${root}supabase/migrations`;
export const shimFile = `${root}db/supabase-shim.sql`;

/** Any constant shared by all migrators of this project; serializes concurrent `migrate` runs. */
const MIGRATE_LOCK = 7_232_016_093;

export interface Migration {
  version: string;
  name: string;
  file: string;
}

export function listMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const [, version = '', name = ''] = /^(\d+)_(.+)\.sql$/.exec(file) ?? [];
      return { version, name, file: `${dir}/${file}` };
    });
}

async function inTransaction(session: Session, work: () => Promise<void>): Promise<void> {
  await session.exec('begin');
  try {
    await work();
    await session.exec('commit');
  } catch (err) {
    await session.exec('rollback').catch(() => {});
    throw err;
  }
}

const SHIM_MARK = 'recovery-machine shim';

/**
 * Supabase (or anything like it) provides schema auth itself; everywhere else the shim stands in.
 * Decided per database: an auth schema that our shim did not make (it marks it with a comment)
 * belongs to the platform. Roles are cluster-wide, so they prove nothing about this database.
 */
async function hasForeignAuth(session: Session): Promise<boolean> {
  const { rows } = await session.query<{ foreign: boolean }>(
    `select to_regnamespace('auth') is not null
        and coalesce(obj_description(to_regnamespace('auth'), 'pg_namespace'), '') not like $1 as foreign`,
    [`${SHIM_MARK}%`],
  );
  return rows[0]?.foreign ?? false;
}

/** The shim's SQL and the mark (its checksum) kept as the comment of schema auth once applied. */
export function readShim(): { sql: string; mark: string } {
  const sql = readFileSync(shimFile, 'utf8');
  return { sql, mark: `${SHIM_MARK} ${createHash('sha256').update(sql).digest('hex').slice(0, 16)}` };
}

/**
 * Applies the shim unless this exact version of it is already in place (its checksum is kept as
 * the comment of schema auth), so a start on an existing database does no DDL.
 */
async function applyShim(session: Session): Promise<boolean> {
  const { sql, mark } = readShim();
  const { rows } = await session.query<{ mark: string | null }>(
    "select case when to_regnamespace('auth') is null then null else obj_description(to_regnamespace('auth'), 'pg_namespace') end as mark",
  );
  if (rows[0]?.mark === mark) return false;
  await inTransaction(session, async () => {
    await session.exec(sql);
    await session.exec(`comment on schema auth is '${mark}'`);
  });
  return true;
}

/**
 * The start on an up-to-date database, in one query with no lock and no DDL: whether the shim
 * stands in (and is this version of it) and every migration here is recorded. Undefined when
 * anything is to do (or the migrations table is not there yet): the locked path decides then.
 * Migrations are forward-only, so no concurrent migrator can make a "nothing to do" wrong.
 */
async function upToDate(session: Session): Promise<MigrateResult | undefined> {
  let row: { foreign: boolean; mark: string | null; versions: string[] } | undefined;
  try {
    ({ rows: [row] } = await session.query<{ foreign: boolean; mark: string | null; versions: string[] }>(
      `select to_regnamespace('auth') is not null
              and coalesce(obj_description(to_regnamespace('auth'), 'pg_namespace'), '') not like $1 as foreign,
              obj_description(to_regnamespace('auth'), 'pg_namespace') as mark,
              array(select version from supabase_migrations.schema_migrations) as versions`,
      [`${SHIM_MARK}%`],
    ));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3F000' || code === '42P01') return undefined; // a new database: no migrations table yet
    throw err;
  }
  if (!row) return undefined;
  if (!row.foreign && row.mark !== readShim().mark) return undefined;
  const done = new Set(row.versions);
  if (!listMigrations().every((m) => done.has(m.version))) return undefined;
  return { shim: !row.foreign, applied: [] };
}

export interface MigrateResult {
  /** True where Supabase is absent and the shim stands in (applied now or earlier). */
  shim: boolean;
  applied: Migration[];
}

/**
 * Applies pending migrations in order, each in its own transaction, recorded in
 * `supabase_migrations.schema_migrations` (the Supabase CLI's table, so `supabase db push`
 * and this migrator agree on what is applied). Forward-only; when nothing is pending it is one
 * query (the usual start); otherwise concurrent runs wait on an advisory lock.
 */
export async function migrate(db: Database, options: { log?: (line: string) => void } = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  return db.withSession(async (session) => {
    const current = await upToDate(session);
    if (current) return current;
    await session.query('select pg_advisory_lock($1)', [MIGRATE_LOCK]);
    try {
      const shim = !(await hasForeignAuth(session));
      if (shim) await applyShim(session);
      await inTransaction(session, () =>
        session.exec(`
          create schema if not exists supabase_migrations;
          create table if not exists supabase_migrations.schema_migrations (
            version text primary key, statements text[], name text
          );`),
      );
      const { rows } = await session.query<{ version: string }>('select version from supabase_migrations.schema_migrations');
      const done = new Set(rows.map((row) => row.version));
      const applied: Migration[] = [];
      for (const migration of listMigrations()) {
        if (done.has(migration.version)) continue;
        const sql = readFileSync(migration.file, 'utf8');
        await inTransaction(session, async () => {
          await session.query(
            'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
            [migration.version, migration.name, [sql]],
          );
          await session.exec(sql);
        });
        applied.push(migration);
        log(`applied ${migration.version}_${migration.name}`);
      }
      return { shim, applied };
    } finally {
      await session.query('select pg_advisory_unlock($1)', [MIGRATE_LOCK]);
    }
  });
}
