import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Database } from '../db/index.js';
import { dumpPglite, openPglite } from '../db/pglite.js';

/** What the README says to use on PostgreSQL instead. */
export const POSTGRES_BACKUP_HINT =
  'backup and restore are for the embedded database (PGlite); on PostgreSQL (DATABASE_URL set) use pg_dump and pg_restore: ' +
  'pg_dump --format=custom --file=recovery.dump "$DATABASE_URL", then pg_restore --dbname="$DATABASE_URL" --no-owner --single-transaction recovery.dump (see the README)';

/**
 * A consistent copy of the embedded database: PGlite's `dumpDataDir()` (a gzipped tarball of the data
 * dir, taken while no transaction is open on PGlite's one connection),
 * written to `file.part` and renamed. Returns its size in bytes.
 */
export async function backupPglite(db: Database, file: string): Promise<number> {
  // Dirty pages to the files first (the WAL would bring them back anyway), then the dump while
  // holding PGlite's transaction lock: no other transaction is open during the copy.
  const dump = await db.transaction(async (tx) => {
    await tx.query('CHECKPOINT');
    return dumpPglite(db);
  });
  // Compressed off the event loop (zlib's thread pool): a server keeps answering meanwhile.
  const bytes = await promisify(gzip)(new Uint8Array(await dump.arrayBuffer()));
  const part = `${file}.part`;
  try {
    await writeFile(part, bytes);
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return bytes.byteLength;
}

/** A data dir already holding a database (PostgreSQL's PG_VERSION or any cluster file). */
export function holdsDatabase(dataDir: string): boolean {
  if (!existsSync(dataDir)) return false;
  return ['PG_VERSION', 'base', 'global', 'pg_wal'].some((name) => existsSync(join(dataDir, name)));
}

export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

/**
 * Restores a backup into `dataDir`, which must hold no database yet (a new or empty directory;
 * the development JWT secret, mail and sms files the CLI keeps there are fine). Opens it once
 * from the tarball and closes it: the next start migrates it if the backup is older.
 */
export async function restorePglite(file: string, dataDir: string): Promise<void> {
  if (holdsDatabase(dataDir)) {
    const entries = readdirSync(dataDir).length;
    throw new RestoreRefused(
      `refusing to restore into ${dataDir}: it already holds a database (${entries} entries). ` +
        'Restore into an empty data dir (point DATA_DIR at a new directory), then swap the directories while the server is stopped.',
    );
  }
  let data: Uint8Array = await readFile(file);
  if (data[0] === 0x1f && data[1] === 0x8b) data = await promisify(gunzip)(data);
  const db = await openPglite({ dataDir, loadDataDir: new Blob([new Uint8Array(data)]) });
  await db.close();
}
