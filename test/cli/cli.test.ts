import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from '../../src/cli.js';
import type { Database } from '../../src/db/index.js';
import { listMigrations } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { engines, freshDatabase, type TestDatabase } from '../helpers/db.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runner = fileURLToPath(new URL('./run.ts', import.meta.url));

interface CliRun {
  /** Everything printed with console.log, one entry per call. */
  lines: string[];
  /** What commander or the command wrote to stderr. */
  errors: string;
  /** process.exitCode after the run (db:check sets it), or commander's exit code on a usage error. */
  exitCode: number;
}

/** Commander calls process.exit on usage errors; in-process, every (sub)command throws instead. */
function inProcess(command: Command, errors: string[]): Command {
  command.exitOverride();
  command.configureOutput({ writeErr: (s) => void errors.push(s), writeOut: () => {} });
  for (const sub of command.commands) inProcess(sub, errors);
  return command;
}

/** Runs `recovery …args` in this process with the given environment (restored afterwards). */
async function runCli(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const lines: string[] = [];
  const errors: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void errors.push(`${parts.join(' ')}\n`));
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    await inProcess(buildCli(), errors).parseAsync(['node', 'recovery', ...args]);
    return { lines, errors: errors.join(''), exitCode: Number(process.exitCode ?? 0) };
  } catch (err) {
    const e = err as { exitCode?: number; message: string };
    return { lines, errors: errors.join('') || e.message, exitCode: e.exitCode ?? 1 };
  } finally {
    process.exitCode = previousExitCode;
    log.mockRestore();
    error.mockRestore();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Runs the CLI from source in a child process. */
function runChild(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL;
  delete childEnv.DATABASE_APP_URL;
  Object.assign(childEnv, env);
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', runner, ...args], { cwd: root, env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// A fresh PGlite data dir is initdb plus every migration: slow on a loaded 2-core machine.
const SLOW = { timeout: 120_000 };

describe.each(engines)('recovery CLI on %s', SLOW, (engine) => {
  let dataDir: string;
  let pg: TestDatabase | undefined;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rm-cli-'));
    // PGlite: a fresh data dir. PostgreSQL: a fresh (already migrated) database; the data dir then only holds the dev JWT key.
    if (engine === 'postgres') pg = await freshDatabase('postgres');
    env = { DATA_DIR: join(dataDir, 'db'), DATABASE_URL: pg?.url, DATABASE_APP_URL: undefined, JWT_SECRET: undefined, NODE_ENV: 'development' };
  });
  afterAll(async () => {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The owner connection to the CLI's database, for setting up and checking (PGlite: takes the lock). */
  async function withOwner<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = pg ? await openPostgres({ url: pg.url!, max: 1 }) : await openPglite({ dataDir: env.DATA_DIR! });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  it('migrate applies what is pending, then reports the database up to date', async () => {
    const first = await runCli(['migrate'], env);
    const migrations = listMigrations();
    expect(first.exitCode).toBe(0);
    if (engine === 'pglite') {
      expect(first.lines).toEqual([...migrations.map((m) => `applied ${m.version}_${m.name}`), `${migrations.length} migration(s) applied`]);
    } else {
      // The scratch database was cloned from the migrated template (only a migration newer than the template would be pending).
      expect(first.lines.at(-1)).toMatch(/^database is up to date$|^\d+ migration\(s\) applied$/);
    }
    const second = await runCli(['migrate'], env);
    expect(second.exitCode).toBe(0);
    expect(second.lines).toEqual(['database is up to date']);
    const applied = await withOwner((db) => db.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version'));
    expect(applied.rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
  });

  it('admin list is empty at first, admin add grants a role, admin list shows it', async () => {
    const empty = await runCli(['admin', 'list'], env);
    expect(empty.exitCode).toBe(0);
    expect(empty.lines).toEqual(['no admins yet: npx recovery admin add EMAIL --role super_admin']);

    const add = await runCli(['admin', 'add', 'x@example.com', '--role', 'admin'], env);
    expect(add.exitCode).toBe(0);
    expect(add.lines).toEqual(['x@example.com is admin']);
    const list = await runCli(['admin', 'list'], env);
    expect(list.exitCode).toBe(0);
    const rows = list.lines.map((line) => line.split('\t'));
    expect(rows.map(([email, role]) => [email, role])).toEqual([['x@example.com', 'admin']]);
    expect(Number.isNaN(Date.parse(rows[0]![2]!))).toBe(false);

    // Emails are compared case-insensitively: adding again changes the role rather than duplicating.
    const again = await runCli(['admin', 'add', '  X@Example.COM ', '--role', 'super_admin'], env);
    expect(again.lines).toEqual(['x@example.com is super_admin']);
    const after = await runCli(['admin', 'list'], env);
    expect(after.lines).toEqual([expect.stringMatching(/^x@example\.com\tsuper_admin\t/)]);
  });

  it('admin add cannot demote the last super_admin: a message and exit 1', async () => {
    await runCli(['admin', 'add', 'last@example.com', '--role', 'super_admin'], env);
    const others = (await runCli(['admin', 'list'], env)).lines.filter((line) => line.endsWith('super_admin') || line.includes('\tsuper_admin\t'));
    for (const line of others.filter((l) => !l.startsWith('last@example.com'))) await runCli(['admin', 'add', line.split('\t')[0]!, '--role', 'admin'], env);

    const demote = await runCli(['admin', 'add', 'last@example.com', '--role', 'operator'], env);
    expect(demote.exitCode).toBe(1);
    expect(demote.errors).toMatch(/last super_admin/);
    expect((await runCli(['admin', 'list'], env)).lines).toContainEqual(expect.stringMatching(/^last@example\.com\tsuper_admin\t/));
  });

  it('admin add refuses a bad role or a bad email and changes nothing', async () => {
    const badRole = await runCli(['admin', 'add', 'y@example.com', '--role', 'boss'], env);
    expect(badRole.exitCode).not.toBe(0);
    expect(badRole.errors).toMatch(/role must be one of operator, admin, super_admin/);
    const noRole = await runCli(['admin', 'add', 'y@example.com'], env);
    expect(noRole.exitCode).not.toBe(0);
    expect(noRole.errors).toMatch(/--role/);
    const badEmail = await runCli(['admin', 'add', 'not-an-email', '--role', 'admin'], env);
    expect(badEmail.exitCode).not.toBe(0);
    expect(badEmail.errors).toMatch(/not an email address/);
    const list = await runCli(['admin', 'list'], env);
    expect(list.lines.join('\n')).not.toMatch(/y@example\.com|not-an-email/);
  });

  it('db:check exits 0 on a clean database and 1 when the credits disagree with the ledger', async () => {
    const clean = await runCli(['db:check'], env);
    expect(clean.exitCode).toBe(0);
    expect(clean.lines.length).toBeGreaterThanOrEqual(3);
    for (const line of clean.lines) expect(line).toMatch(/^ok {3}/);

    // Break the books behind the guards' back (triggers off for this one transaction).
    await withOwner((db) =>
      db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>("select id from app_private.create_auth_user('broken@example.com', null, '{}'::jsonb)");
        await tx.query('set local session_replication_role = replica');
        await tx.query('update public.profiles set credits = 7 where id = $1', [rows[0]!.id]);
      }),
    );
    const broken = await runCli(['db:check'], env);
    expect(broken.exitCode).toBe(1);
    expect(broken.lines).toContainEqual(expect.stringMatching(/^FAIL credit imbalances \(1\)/));
    expect(broken.lines.join('\n')).toContain('broken@example.com');
    await withOwner((db) => db.query("delete from auth.users where email = 'broken@example.com'"));
    expect((await runCli(['db:check'], env)).exitCode).toBe(0);
  });

  it('export writes a CSV with plain progress lines off a terminal; a bad kind or date is refused', async () => {
    await withOwner((db) => db.query("select id from app_private.create_auth_user('exported@example.com', null, '{}'::jsonb)"));
    const file = join(dataDir, 'customers.csv');
    const res = await runCli(['export', 'customers', '--out', file, '--from', '2000-01-01', '--to', '2999-12-31'], env);
    expect(res.errors).toBe('');
    expect(res.exitCode).toBe(0);
    expect(res.lines[0]).toMatch(/^export customers: \d+ row\(s\) to write$/);
    expect(res.lines.at(-1)).toMatch(new RegExp(`^\\d+ customers row\\(s\\) written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const text = readFileSync(file, 'utf8');
    expect(text.split('\r\n')[0]).toBe('email,full_name,credits,total_bookings,lifetime_value_cents,last_booking,last_booking_local,signed_up_at');
    expect(text.split('\r\n')[1]).toMatch(/^exported@example\.com,,0,0,0,,,\d{4}-/);

    const badKind = await runCli(['export', 'everything', '--out', file], env);
    expect(badKind.exitCode).not.toBe(0);
    expect(badKind.errors).toMatch(/export one of customers, bookings, orders, ledger, reviews/);
    const badDate = await runCli(['export', 'bookings', '--out', file, '--from', '2025-13-01'], env);
    expect(badDate.exitCode).not.toBe(0);
    expect(badDate.errors).toMatch(/not a date/);
    const backwards = await runCli(['export', 'bookings', '--out', join(dataDir, 'never.csv'), '--from', '2025-02-01', '--to', '2025-01-01'], env);
    expect(backwards.exitCode).toBe(1);
    expect(backwards.errors).toMatch(/--from must not be after --to/);
    expect(existsSync(join(dataDir, 'never.csv'))).toBe(false);
  });

  it('maintain purge-referrals, archive and analyze run; a bad --before is refused', async () => {
    expect((await runCli(['maintain', 'purge-referrals'], env)).lines).toEqual(['0 unaccepted referral(s) expired over 30 days ago deleted']);
    const archive = await runCli(['maintain', 'archive', '--before', '18m', '--batch-size', '10'], env);
    expect(archive.exitCode).toBe(0);
    expect(archive.lines.at(-1)).toMatch(/^0 completed booking\(s\) before \d{4}-\d{2}-\d{2}T.* archived/);
    expect((await runCli(['maintain', 'archive', '--before', '2024-01-01'], env)).exitCode).toBe(0);
    const bad = await runCli(['maintain', 'archive', '--before', 'last year'], env);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.errors).toMatch(/--before must be an age like 1y/);
    const analyze = await runCli(['maintain', 'analyze'], env);
    expect(analyze.exitCode).toBe(0);
    expect(analyze.lines).toContain('done: VACUUM ANALYZE bookings');
    const rebuilt = await runCli(['maintain', 'rebuild-report-facts'], env);
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.lines.at(-2)).toMatch(/^[1-9]\d* customer total row\(s\) recomputed$/);
    expect(rebuilt.lines.at(-1)).toMatch(/^\d+ report fact row\(s\) recomputed from the orders and bookings$/);
    // A rebuild leaves no deltas: nothing to fold.
    expect((await runCli(['maintain', 'compact-report-facts'], env)).lines).toEqual(['0 report fact row(s) folded into 0']);
  });

  if (engine === 'postgres') {
    it('backup and restore say to use pg_dump / pg_restore and exit 1', async () => {
      for (const args of [['backup', '--out', join(dataDir, 'x.backup')], ['restore', join(dataDir, 'x.backup')]]) {
        const res = await runCli(args, env);
        expect(res.exitCode).toBe(1);
        expect(res.errors).toMatch(/use pg_dump and pg_restore/);
      }
      expect(existsSync(join(dataDir, 'x.backup'))).toBe(false);
    });
  }

  if (engine === 'pglite') {
    it('backup, then restore into an empty data dir: db:check is clean there; a second restore is refused', async () => {
      const file = join(dataDir, 'recovery.backup');
      const backup = await runCli(['backup', '--out', file], env);
      expect(backup.errors).toBe('');
      expect(backup.exitCode).toBe(0);
      expect(backup.lines[0]).toMatch(/^backup written to .*recovery\.backup \(\d+\.\d MB\)/);
      const elsewhere = { ...env, DATA_DIR: join(dataDir, 'restored') };
      const restore = await runCli(['restore', file], elsewhere);
      expect(restore.errors).toBe('');
      expect(restore.exitCode).toBe(0);
      const check = await runCli(['db:check'], elsewhere);
      expect(check.exitCode).toBe(0);
      expect((await runCli(['admin', 'list'], elsewhere)).lines).toContainEqual(expect.stringMatching(/^x@example\.com\t/));
      const again = await runCli(['restore', file], elsewhere);
      expect(again.exitCode).toBe(1);
      expect(again.errors).toMatch(/refusing to restore into .* it already holds a database/);
    });
  }

  if (engine === 'pglite') {
    it('a second process cannot open a data dir in use; after it is closed, it can', async () => {
      const childEnv = { DATA_DIR: env.DATA_DIR! };
      const holder = await openPglite({ dataDir: env.DATA_DIR! });
      let locked;
      try {
        locked = await runChild(['migrate'], childEnv);
      } finally {
        await holder.close();
      }
      expect(locked.code).not.toBe(0);
      expect(locked.stderr).toMatch(/data directory .* is in use by another process/);
      expect(locked.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace

      const free = await runChild(['migrate'], childEnv);
      expect(free.stderr).toBe('');
      expect(free.code).toBe(0);
      expect(free.stdout.trim()).toBe('database is up to date');
    });

    it('the real CLI process exits 1 on a bad role', async () => {
      const res = await runChild(['admin', 'add', 'z@example.com', '--role', 'boss'], { DATA_DIR: env.DATA_DIR! });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/role must be one of/);
    });
  }
});
