import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { pruneSessions } from './auth/repository.js';
import { createPaymentProvider } from './payments/create.js';
import { OrderService } from './orders/service.js';
import { adminRoles, listAdmins, upsertAdmin, type AdminRole } from './admins/repository.js';
import { loadConfig, type Config } from './config.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import { expireReferrals, integrityChecks, runIntegrityCheck } from './maintenance/repository.js';

/** Opens the owner connection (DATABASE_URL or the embedded data dir), migrated, runs the work, closes. */
async function withOwnerDatabase<T>(config: Config, work: (db: Database) => Promise<T>, opts = { migrate: true }): Promise<T> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    if (opts.migrate) await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

function parseRole(value: string): AdminRole {
  if (!(adminRoles as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`role must be one of ${adminRoles.join(', ')}`);
  }
  return value as AdminRole;
}

export function buildCli(): Command {
  const program = new Command('recovery').description('Recovery Machine: service, database and maintenance');

  program
    .command('serve')
    .description('run the HTTP API (migrates the database first)')
    .action(async () => {
      const { serve } = await import('./server.js');
      await serve(loadConfig());
    });

  program
    .command('migrate')
    .description('apply pending migrations from supabase/migrations')
    .action(async () => {
      const config = loadConfig();
      await withOwnerDatabase(
        config,
        async (db) => {
          const result = await migrate(db, { log: (line) => console.log(line) });
          if (result.applied.length === 0) console.log('database is up to date');
          else console.log(`${result.applied.length} migration(s) applied`);
        },
        { migrate: false },
      );
    });

  program
    .command('db:check')
    .description("run the seed's data integrity checks; exits 1 if any finds rows")
    .action(async () => {
      const failures = await withOwnerDatabase(loadConfig(), async (db) => {
        let failed = 0;
        for (const check of integrityChecks) {
          const rows = await runIntegrityCheck(db, check);
          console.log(`${rows.length === 0 ? 'ok  ' : 'FAIL'} ${check.name}${rows.length ? ` (${rows.length})` : ''}`);
          for (const row of rows) console.log(`     ${JSON.stringify(row)}`);
          if (rows.length > 0) failed += 1;
        }
        return failed;
      });
      if (failures > 0) process.exitCode = 1;
    });

  const admin = program.command('admin').description('manage staff access');
  admin
    .command('add <email>')
    .description('grant staff access to an email (before or after that person signs up)')
    .requiredOption('--role <role>', `one of ${adminRoles.join(', ')}`, parseRole)
    .action(async (email: string, options: { role: AdminRole }) => {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) throw new InvalidArgumentError(`not an email address: ${email}`);
      const row = await withOwnerDatabase(loadConfig(), (db) => upsertAdmin(db, email, options.role));
      console.log(`${row.email} is ${row.role}`);
    });
  admin
    .command('list')
    .description('list staff and their roles')
    .action(async () => {
      const rows = await withOwnerDatabase(loadConfig(), (db) => listAdmins(db));
      if (rows.length === 0) console.log('no admins yet: npx recovery admin add EMAIL --role super_admin');
      for (const row of rows) console.log(`${row.email}\t${row.role}\t${row.created_at.toISOString()}`);
    });

  const maintain = program.command('maintain').description('maintenance tasks');
  maintain
    .command('expire-referrals')
    .description('mark pending referrals past their expiry as expired')
    .action(async () => {
      const count = await withOwnerDatabase(loadConfig(), (db) => expireReferrals(db));
      console.log(`${count} referral(s) expired`);
    });

  maintain
    .command('prune-sessions')
    .description('delete ended rate-limit windows and refresh tokens past their expiry')
    .action(async () => {
      const pruned = await withOwnerDatabase(loadConfig(), (db) => db.asCaller({ role: 'service_role' }, (tx) => pruneSessions(tx)));
      console.log(`${pruned.rateLimits} rate-limit window(s) and ${pruned.refreshTokens} refresh token(s) deleted`);
    });

  maintain
    .command('expire-orders')
    .description('fail unpaid orders past their expiry: cancel their bookings, return their credits')
    .action(async () => {
      const config = loadConfig();
      const count = await withOwnerDatabase(config, (db) => new OrderService(db, createPaymentProvider(config)).expireUnpaid());
      console.log(`${count} order(s) expired`);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}

// `node --import tsx src/cli.ts …` (development) runs it too; bin/recovery.js runs the build.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv);
