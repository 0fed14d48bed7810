// Row level security on slots, services, add-ons and business_settings: read by everyone, written by admins.
// Real users as PostgREST/Supabase sets them per transaction; the shared fixture is in ./support.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller, Database, Queryable } from '../../../src/db/index.js';
import { engines } from '../../helpers/db.js';
import { rlsWorld, type RlsWorld, asUser, count, anon, DENIED, type TestUser, type Slot, type RlsPrices } from './support.js';

describe.each(engines)('row level security on %s', (engine) => {
  let w: RlsWorld;
  let db: Database;
  let alice: TestUser;
  let admin: TestUser;
  let carolReview: string;
  let slot: Slot;
  let prices: RlsPrices;

  const as = <T>(who: TestUser | Caller, fn: (tx: Queryable) => Promise<T>): Promise<T> => asUser(db, who, fn);
  const ownerCount = (sql: string, params?: unknown[]) => count(db, sql, params);

  beforeAll(async () => {
    w = await rlsWorld(engine);
    ({ db, alice, admin, carolReview, slot, prices } = w);
  });
  afterAll(() => w?.t.drop());

  describe('a customer', () => {
    it('reads every slot but cannot create, change or delete one', async () => {
      expect(await as(alice, (tx) => count(tx, 'select 1 from availability_slots'))).toBe(await ownerCount('select 1 from availability_slots'));
      await expect(
        as(alice, (tx) => tx.query(`insert into availability_slots (date, start_time, end_time) values (current_date + 30, '10:00', '11:00')`)),
      ).rejects.toMatchObject(DENIED);
      expect((await as(alice, (tx) => tx.query('update availability_slots set max_bookings = 99 where id = $1', [slot.id]))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query('delete from availability_slots where id = $1', [slot.id]))).rowCount).toBe(0);
      await expect(as(alice, (tx) => tx.query('update availability_slots set current_bookings = 0 where id = $1', [slot.id]))).rejects.toMatchObject(DENIED);
    });

    it('reads active services, add-ons and the settings, and changes none of them', async () => {
      const services = await as(alice, async (tx) => (await tx.query<{ key: string }>('select key from services order by key')).rows.map((r) => r.key));
      expect(services).toEqual(['cold_plunge', 'combo', 'infrared_sauna']);
      const addOns = await as(alice, async (tx) => (await tx.query<{ key: string }>('select key from add_ons order by key')).rows.map((r) => r.key));
      expect(addOns).toEqual(['electrolytes', 'extra_visits', 'family', 'towels']);
      expect(await as(alice, (tx) => count(tx, 'select 1 from business_settings'))).toBe(1);
      expect((await as(alice, (tx) => tx.query(`update services set price_cents = 1 where key = 'combo'`))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query(`update add_ons set price_cents = 1 where key = 'towels'`))).rowCount).toBe(0);
      expect((await as(alice, (tx) => tx.query('update business_settings set setup_fee_cents = 0'))).rowCount).toBe(0);
      await expect(
        as(alice, (tx) => tx.query(`insert into services (key, name, duration_minutes, price_cents) values ('free_plunge', 'Free', 30, 0)`)),
      ).rejects.toMatchObject(DENIED);
      await expect(as(alice, (tx) => tx.query(`insert into add_ons (key, name, price_cents) values ('free_towel', 'Free', 0)`))).rejects.toMatchObject(DENIED);
      expect((await db.query(`select price_cents from services where key = 'combo'`)).rows[0]).toEqual({ price_cents: prices.combo });
      expect((await db.query('select setup_fee_cents from business_settings')).rows[0]).toEqual({ setup_fee_cents: prices.setup_fee });
    });
  });

  describe('a visitor (anon)', () => {
    it('reads slots, featured reviews, active services and add-ons, and the settings', async () => {
      expect(await as(anon, (tx) => count(tx, 'select 1 from availability_slots'))).toBe(await ownerCount('select 1 from availability_slots'));
      const reviews = await as(anon, async (tx) => (await tx.query<{ id: string }>('select id from reviews')).rows.map((r) => r.id));
      expect(reviews).toEqual([carolReview]);
      expect(await as(anon, (tx) => count(tx, 'select 1 from services'))).toBe(3);
      expect(await as(anon, (tx) => count(tx, 'select 1 from add_ons'))).toBe(4);
      expect(await as(anon, (tx) => count(tx, 'select 1 from business_settings'))).toBe(1);
    });
  });

  describe('an admin', () => {
    it('edits the catalog and settings', async () => {
      expect((await as(admin, (tx) => tx.query(`update services set sort_order = 9 where key = 'combo'`))).rowCount).toBe(1);
      expect(await as(admin, (tx) => count(tx, 'select 1 from services'))).toBe(4); // inactive ones too
      expect((await as(admin, (tx) => tx.query('update business_settings set min_notice_minutes = 60'))).rowCount).toBe(1);
      // One policy per action (services_insert_admin, add_ons_update_admin, ...): admins add and edit.
      const added = await as(admin, (tx) =>
        tx.query(`insert into services (key, name, duration_minutes, price_cents, active) values ('admin_added', 'Added', 30, 100, false)`),
      );
      expect(added.rowCount).toBe(1);
      expect((await as(admin, (tx) => tx.query(`insert into add_ons (key, name, price_cents, active) values ('admin_added', 'Added', 100, false)`))).rowCount).toBe(1);
      expect((await as(admin, (tx) => tx.query(`update add_ons set sort_order = 9 where key = 'retired_add_on'`))).rowCount).toBe(1);
      // Deleting stays ungranted: the catalog retires entries (active = false).
      await expect(as(admin, (tx) => tx.query(`delete from services where key = 'admin_added'`))).rejects.toMatchObject(DENIED);
    });
  });
});
