import { listenForCommands, type ControlSocket } from './commands/control-socket.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/index.js';
import { migrate } from './db/migrate.js';
import { startSweeper } from './maintenance/sweeper.js';

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
  // One set of services for the app, the CLI commands it runs and the sweeper: one payment provider.
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
  const stopSweeper = startSweeper(app.log, services, config.orderSweepSeconds);
  const stopWorker = config.messages.worker ? services.messageWorker.start(app.log) : async () => {};
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    stopSweeper();
    try {
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
  console.log(`Recovery Machine API listening on http://${config.host}:${port} (database: ${engine}; docs at /docs)`);
}
