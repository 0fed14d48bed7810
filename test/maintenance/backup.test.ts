/**
 * backup / restore of the embedded database (PGlite only: PostgreSQL uses pg_dump/pg_restore,
 * see test/cli). A restore into an empty data dir gives the same row counts for every table and
 * a clean db:check.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { openPglite } from '../../src/db/pglite.js';
import { backupPglite, restorePglite, RestoreRefused } from '../../src/maintenance/backup.js';
import { archiveBookings, integrityChecks, runIntegrityCheck, tableRowCounts } from '../../src/maintenance/repository.js';
import { giveCredits, makeCustomer, makeOrder, makePastBooking } from '../helpers/factories.js';

describe('backup and restore of the embedded database', { timeout: 120_000 }, () => {
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rm-backup-'));
    // A data dir on disk, started from the run's migrated template.
    db = await openPglite({ dataDir: join(dir, 'source'), loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]) });
    const customer = await makeCustomer(db, { full_name: 'Backed Up' });
    await giveCredits(db, customer.id, 5);
    const order = await makeOrder(db, { user_id: customer.id, status: 'paid' });
    for (let i = 0; i < 3; i++) {
      await makePastBooking(db, { user_id: customer.id, order_id: order, status: 'completed', date_time: new Date(Date.now() - (400 + i) * 86_400_000) });
    }
    await makePastBooking(db, { user_id: customer.id, status: 'completed', date_time: new Date(Date.now() - 10 * 86_400_000) });
    expect(await archiveBookings(db, new Date(Date.now() - 365 * 86_400_000))).toBe(3);
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a backup taken while the database is open restores into an empty data dir with the same rows and a clean db:check', async () => {
    const file = join(dir, 'recovery.backup');
    // A transaction in progress while the backup is asked for: the copy waits for it, and holds it whole.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = db.transaction(async (tx) => {
      await tx.query(`insert into public.services (key, name, duration_minutes, price_cents) values ('late_addition', 'Late', 30, 100)`);
      await held;
    });
    const backup = backupPglite(db, file);
    release();
    await open;
    const bytes = await backup;
    expect(bytes).toBeGreaterThan(0);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
    const counts = await tableRowCounts(db);
    expect(counts['app_private.bookings_archive']).toBe(3);
    expect(counts['public.bookings']).toBe(1);

    const target = join(dir, 'restored');
    mkdirSync(target);
    writeFileSync(join(target, 'jwt-secret'), 'x'); // what a development CLI leaves in a new data dir
    await restorePglite(file, target);
    const restored = await openPglite({ dataDir: target });
    try {
      expect(await tableRowCounts(restored)).toEqual(counts);
      for (const check of integrityChecks) expect(await runIntegrityCheck(restored, check), check.name).toEqual([]);
      expect((await restored.query(`select name from public.services where key = 'late_addition'`)).rows).toEqual([{ name: 'Late' }]);
    } finally {
      await restored.close();
    }
  });

  it('refuses a data dir that already holds a database, and changes nothing in it', async () => {
    const file = join(dir, 'recovery.backup');
    const target = join(dir, 'restored');
    await expect(restorePglite(file, target)).rejects.toThrow(RestoreRefused);
    await expect(restorePglite(file, target)).rejects.toThrow(/already holds a database/);
    expect(existsSync(join(target, 'PG_VERSION'))).toBe(true);
  });
});
