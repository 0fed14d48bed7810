// The migrator's start on an existing database: one query when nothing is pending; a pending
// migration (with the current shim in place, so only the version list tells) still applies.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Session } from '../../src/db/index.js';
import { listMigrations, migrate, readShim } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';

/** The database, with every statement its sessions run written down. */
function recording(db: Database, statements: string[]): Database {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key !== 'withSession') return Reflect.get(target, key, receiver);
      return <T>(fn: (session: Session) => Promise<T>) =>
        target.withSession((session) =>
          fn({
            query: (text, params) => (statements.push(text), session.query(text, params)),
            exec: (sql) => (statements.push(sql), session.exec(sql)),
          } as Session),
        );
    },
  });
}

describe('migrate on an existing database (PGlite)', () => {
  const migrations = listMigrations();
  const last = migrations[migrations.length - 1]!;
  let db: Database;

  beforeAll(async () => {
    db = await openPglite();
    // The current shim in place, every migration but the last recorded.
    const shim = readShim();
    await db.withSession(async (s) => {
      await s.exec(shim.sql);
      await s.exec(`comment on schema auth is '${shim.mark}'`);
      await s.exec(`create schema supabase_migrations;
        create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text);`);
      for (const m of migrations.slice(0, -1)) {
        await s.exec(readFileSync(m.file, 'utf8'));
        await s.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      }
    });
  }, 120_000);
  afterAll(() => db?.close());

  it('applies the pending migration, under the lock', async () => {
    const statements: string[] = [];
    const result = await migrate(recording(db, statements));
    expect(result).toEqual({ shim: true, applied: [last] });
    expect(statements.some((s) => s.includes('pg_advisory_lock'))).toBe(true);
  });

  it('then starts with one query: no lock, no DDL', async () => {
    const statements: string[] = [];
    expect(await migrate(recording(db, statements))).toEqual({ shim: true, applied: [] });
    expect(statements).toHaveLength(1);
    expect(statements[0]).not.toMatch(/advisory|create|comment/i);
  });

  it('takes the locked path again when the shim changes', async () => {
    await db.query("comment on schema auth is 'recovery-machine shim 0000000000000000'");
    const statements: string[] = [];
    expect(await migrate(recording(db, statements))).toEqual({ shim: true, applied: [] });
    expect(statements.some((s) => s.includes('pg_advisory_lock'))).toBe(true);
    expect((await db.query<{ mark: string }>("select obj_description('auth'::regnamespace, 'pg_namespace') as mark")).rows[0]!.mark).toBe(readShim().mark);
  });
});
