import { listenForCommands, type ControlSocket } from './commands/control-socket.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Scheduler } from './jobs/boss.js';
import type { Services } from './services.js';

/**
 * Migrates with the owner connection, then serves. With DATABASE_APP_URL, requests use that
 * least-privilege login role and the owner connection is closed after migrating.
 */
export async function serve(config: Config): Promise<void> {
  // Load the HTTP app's and the services' modules while the database opens (PGlite compiles its WASM off-thread).
  const modules = Promise.all([import('./app.js'), import('./services.js')]);
  const owner = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  let db: Database = owner;
  try {
    const { applied } = await migrate(owner);
    for (const m of applied) console.log(`applied migration ${m.version}_${m.name}`);
    if (config.databaseAppUrl) {
      await owner.close();
      const { openPostgres } = await import('./db/postgres.js');
      db = await openPostgres({ url: config.databaseAppUrl, max: config.databasePoolSize });
    }
  } catch (err) {
    await owner.close();
    throw err;
  }

  const [{ buildApp }, { buildServices }] = await modules;
  // One set of services for the app, the CLI commands it runs and the schedules: one payment provider.
  const services = buildServices(config, db);
  const app = await buildApp({ config, db, services });
  // Embedded PGlite is single-process: the CLI sends its commands here while this server runs.
  let control: ControlSocket | undefined;
  if (!config.databaseUrl) {
    control = await listenForCommands({ db, config, services }, app.log).catch((err: unknown) => {
      app.log.warn({ err }, 'no control socket: the CLI cannot reach this server while it holds the data dir');
      return undefined;
    });
  }
  const stopWorker = config.messages.worker ? services.messageWorker.start(app.log) : async () => {};
  // The upkeep schedules (src/jobs/schedules.ts) run through pg-boss, started after the server
  // listens so /ready never waits for pg-boss (its import and, the first time, its schema).
  let scheduler: Promise<Scheduler | undefined> = Promise.resolve(undefined);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      await (await scheduler)?.stop();
      await stopWorker();
      await control?.close();
      await app.close();
    } finally {
      await db.close();
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const engine = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite (${config.dataDir})`;
  // A second after listening: the first requests (and /ready) never share the event loop with pg-boss's import.
  if (config.messages.worker) {
    scheduler = new Promise((resolve) => setTimeout(resolve, 1000).unref()).then(() => (closing ? undefined : startUpkeep(config, db, services, app.log)));
  }
  console.log(`Recovery Machine API listening on http://${config.host}:${port} (database: ${engine}; docs at /docs)`);
}

/** Starts the upkeep schedules on pg-boss; a failure is logged, never fatal to the server. */
async function startUpkeep(config: Config, db: Database, services: Services, log: FastifyBaseLogger): Promise<Scheduler | undefined> {
  try {
    const [{ startScheduler }, { upkeepSchedules }] = await Promise.all([import('./jobs/boss.js'), import('./jobs/schedules.js')]);
    const schedules = upkeepSchedules({ db, services }, config.orderSweepSeconds);
    if (schedules.length === 0) return undefined; // ORDER_SWEEP_SECONDS=0: no upkeep here (the CLI's `maintain` commands)
    const scheduler = await startScheduler({ db, databaseUrl: config.databaseUrl }, schedules, log);
    log.info({ schedules: schedules.map((s) => `${s.name} (${s.cron})`) }, 'upkeep schedules running on pg-boss');
    return scheduler;
  } catch (err) {
    log.error({ err }, 'the upkeep schedules (pg-boss) did not start');
    return undefined;
  }
}
