import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { adminRoles } from './admins/repository.js';
import { execute, parseCutoff, parseDay, parseEmail, parseExportKind, parseRole, UsageError, type CommandArgs, type CommandName, type Output } from './commands/commands.js';
import { forwardCommand } from './commands/control-socket.js';
import { loadConfig, type Config } from './config.js';
import { DataDirLockedError, openDatabase, type Database } from './db/index.js';
import { precompilePglite } from './db/pglite.js';
import { migrate } from './db/migrate.js';
import { exportKinds } from './exports/repository.js';
import { POSTGRES_BACKUP_HINT, restorePglite, RestoreRefused } from './maintenance/backup.js';

const terminal: Output = { log: (line) => console.log(line), error: (line) => console.error(line) };

/**
 * Runs a command on the owner connection (DATABASE_URL, or the embedded data dir, migrated).
 * When a server holds the data dir, the server runs it instead (over its control socket).
 */
async function run(name: CommandName, args: CommandArgs = {}): Promise<void> {
  const config = loadConfig();
  let db;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (err) {
    const exit = err instanceof DataDirLockedError ? await forwardCommand(config.dataDir, name, args, terminal) : undefined;
    if (exit === undefined) throw err;
    if (exit !== 0) process.exitCode = exit;
    return;
  }
  try {
    await migrate(db);
    const { buildServices } = await import('./services.js');
    const exit = await execute(name, { db, config, services: buildServices(config, db), out: terminal, interactive: process.stderr.isTTY === true }, args);
    if (exit !== 0) process.exitCode = exit;
  } finally {
    await db.close();
  }
}

/** Commander reports bad arguments itself (usage, exit 1) when they fail while parsing. */
const asArgument =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw err instanceof UsageError ? new InvalidArgumentError(err.message) : err;
    }
  };

/**
 * Opens the database for a command that must hold it itself; undefined (after saying `served`) when
 * a running server holds the embedded data dir and answers on its control socket.
 */
async function openUnlessServed(config: Config, served: string): Promise<Database | undefined> {
  try {
    return await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  } catch (err) {
    if (err instanceof DataDirLockedError && (await forwardCommand(config.dataDir, 'ping', {}, terminal)) === 0) {
      console.log(served);
      return undefined;
    }
    throw err;
  }
}

export function buildCli(): Command {
  const program = new Command('recovery').description('Recovery Machine: service, database and maintenance');

  program
    .command('serve')
    .description('run the HTTP API (migrates the database first)')
    .action(async () => {
      const config = loadConfig();
      if (!config.databaseUrl) void precompilePglite(); // compiles while the server's modules load
      const { serve } = await import('./server.js');
      await serve(config);
    });

  program
    .command('migrate')
    .description('apply pending migrations from supabase/migrations')
    .action(async () => {
      const config = loadConfig();
      // A running server migrated when it started; new migrations apply when it restarts.
      const db = await openUnlessServed(config, 'a server is running on this data dir: it migrated the database when it started (restart it to apply new migrations)');
      if (!db) return;
      try {
        const result = await migrate(db, { log: (line) => console.log(line) });
        if (result.applied.length === 0) console.log('database is up to date');
        else console.log(`${result.applied.length} migration(s) applied`);
      } finally {
        await db.close();
      }
    });

  program
    .command('db:check')
    .description("run the seed's data integrity checks; exits 1 if any finds rows")
    .action(() => run('db:check'));

  const admin = program.command('admin').description('manage staff access');
  admin
    .command('add <email>')
    .description('grant staff access to an email (before or after that person signs up)')
    .requiredOption('--role <role>', `one of ${adminRoles.join(', ')}`, asArgument(parseRole))
    .action((email: string, options: { role: string }) => run('admin add', { email: asArgument(parseEmail)(email), role: options.role }));
  admin
    .command('list')
    .description('list staff and their roles')
    .action(() => run('admin list'));

  program
    .command('worker')
    .description('send due messages (emails, texts) and run the upkeep schedules until stopped; run it when the servers have WORKER=off')
    .action(async () => {
      const config = loadConfig();
      const db = await openUnlessServed(config, 'a server is running on this data dir and holds it: its own worker sends the messages (unless it has WORKER=off)');
      if (!db) return;
      await migrate(db);
      const { buildServices } = await import('./services.js');
      const log = { info: (o: object, m: string) => console.log(m, JSON.stringify(o)), error: (o: object, m: string) => console.error(m, o) };
      const services = buildServices(config, db);
      // Listen for the signals first: one that comes while pg-boss starts still stops cleanly.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const stop = services.messageWorker.start(log);
      console.log('message worker running (Ctrl-C stops it)');
      // The upkeep schedules (src/jobs/schedules.ts) on pg-boss, as a server with WORKER=on runs them.
      const [{ startScheduler }, { upkeepSchedules }] = await Promise.all([import('./jobs/boss.js'), import('./jobs/schedules.js')]);
      const schedules = upkeepSchedules({ db, services }, config.orderSweepSeconds);
      const scheduler = schedules.length > 0 ? await startScheduler({ db, databaseUrl: config.databaseUrl }, schedules, log) : undefined;
      console.log(`upkeep schedules running: ${schedules.map((s) => `${s.name} (${s.cron})`).join(', ') || 'none (ORDER_SWEEP_SECONDS=0)'}`);
      await stopped;
      await scheduler?.stop();
      await stop();
      await db.close();
    });

  program
    .command('export <what>')
    .description(`write a CSV export (${exportKinds.join(', ')}); a running server on the data dir writes it`)
    .requiredOption('--out <file>', 'the CSV file to write')
    .option('--from <date>', 'first day (YYYY-MM-DD, business time zone)', asArgument(parseDay))
    .option('--to <date>', 'last day (YYYY-MM-DD, business time zone)', asArgument(parseDay))
    .action((what: string, options: { out: string; from?: string; to?: string }) =>
      run('export', { kind: asArgument(parseExportKind)(what), out: resolve(options.out), from: options.from, to: options.to }),
    );

  program
    .command('backup')
    .description('copy the embedded database to a file (consistent while a server runs); PostgreSQL: use pg_dump')
    .requiredOption('--out <file>', 'the backup file to write')
    .action(async (options: { out: string }) => {
      if (loadConfig().databaseUrl) {
        console.error(POSTGRES_BACKUP_HINT);
        process.exitCode = 1;
        return;
      }
      await run('backup', { out: resolve(options.out) });
    });

  program
    .command('restore <file>')
    .description('restore a backup into an empty data dir (DATA_DIR); PostgreSQL: use pg_restore')
    .action(async (file: string) => {
      const config = loadConfig();
      if (config.databaseUrl) {
        console.error(POSTGRES_BACKUP_HINT);
        process.exitCode = 1;
        return;
      }
      try {
        await restorePglite(resolve(file), config.dataDir);
      } catch (err) {
        if (!(err instanceof RestoreRefused)) throw err;
        console.error(err.message);
        process.exitCode = 1;
        return;
      }
      console.log(`restored ${resolve(file)} into ${config.dataDir}; run npx recovery db:check to verify it`);
    });

  const maintain = program.command('maintain').description('maintenance tasks');
  maintain
    .command('expire-referrals')
    .description('mark pending referrals past their expiry as expired')
    .action(() => run('maintain expire-referrals'));
  maintain
    .command('prune-sessions')
    .description('delete ended rate-limit windows and refresh tokens past their expiry')
    .action(() => run('maintain prune-sessions'));
  maintain
    .command('expire-orders')
    .description('fail unpaid orders past their expiry: cancel their bookings, return their credits')
    .action(() => run('maintain expire-orders'));
  maintain
    .command('purge-referrals')
    .description('delete unaccepted referrals whose expiry passed over 30 days ago (the ledger is untouched)')
    .action(() => run('maintain purge-referrals'));
  maintain
    .command('archive')
    .description('move completed bookings older than the cutoff into the archive, in batches (reviewed bookings stay)')
    .requiredOption('--before <age-or-date>', 'an age (1y, 18m, 6w, 400d) or a date (YYYY-MM-DD)', asArgument((v) => (parseCutoff(v), v)))
    .option('--batch-size <n>', 'bookings per transaction (default 1000)')
    .action((options: { before: string; batchSize?: string }) => run('maintain archive', { before: options.before, batchSize: options.batchSize }));
  maintain
    .command('analyze')
    .description('refresh planner statistics: ANALYZE the main tables, VACUUM ANALYZE the bookings')
    .action(() => run('maintain analyze'));
  maintain
    .command('compact-report-facts')
    .description("fold the reports' fact deltas into one row per key (the server does it every 5 minutes)")
    .action(() => run('maintain compact-report-facts'));
  maintain
    .command('rebuild-report-facts')
    .description("recompute the reports' facts and the customers' report totals from the orders and bookings (after loading data with triggers off)")
    .action(() => run('maintain rebuild-report-facts'));

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
