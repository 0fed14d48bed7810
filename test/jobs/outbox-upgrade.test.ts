// 20251204100000_messages_outbox on a database with rows from before it: the old outbox's
// invitations move into the message log (sent ones stay sent) and booked sessions get reminders.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { listMigrations, migrate, shimFile } from '../../src/db/migrate.js';
import { openPglite } from '../../src/db/pglite.js';

const outbox = '20251204100000';
const alice = '00000000-0000-0000-0000-0000000000a1';
const referral = '00000000-0000-0000-0000-0000000000f1';

describe('20251204100000_messages_outbox over existing rows (PGlite)', () => {
  let db: Database;
  let bookingId: string;

  beforeAll(async () => {
    db = await openPglite();
    await db.withSession(async (s) => {
      await s.exec(readFileSync(shimFile, 'utf8'));
      await s.exec(`create schema supabase_migrations;
        create table supabase_migrations.schema_migrations (version text primary key, statements text[], name text);`);
      for (const m of listMigrations().filter((m) => m.version < outbox)) {
        await s.exec(readFileSync(m.file, 'utf8'));
        await s.query('insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      }
    });
    await db.query(`insert into auth.users (id, email) values ($1, 'alice@example.test')`, [alice]);
    await db.query(
      `insert into app_private.outbox (topic, payload, sent_at, attempts) values
         ('referral.invitation', $1, null, 0),
         ('referral.invitation', $2, now(), 1)`,
      [
        { referral_id: referral, to: 'bob@example.test', referral_code: 'ALICE1', referrer_name: 'Alice', reward_credits: 50, invite_url: 'http://x/signup?ref=ALICE1' },
        { referral_id: '00000000-0000-0000-0000-0000000000f2', to: 'carol@example.test', referral_code: 'ALICE1', reward_credits: 50 },
      ],
    );
    const { rows } = await db.query<{ id: string }>(
      `insert into public.bookings (user_id, date_time, service_type, address, status)
       values ($1, date_trunc('minute', now()) + interval '3 days', 'cold_plunge', '{}', 'confirmed') returning id`,
      [alice],
    );
    bookingId = rows[0]!.id;
    // It and every later migration apply over the old rows.
    expect((await migrate(db)).applied.map((m) => m.version)).toEqual(listMigrations().filter((m) => m.version >= outbox).map((m) => m.version));
  });
  afterAll(() => db?.close());

  it('moves the outbox’s invitations into the message log, and drops the outbox', async () => {
    const { rows } = await db.query<{ recipient: string; status: string; attempts: number; idempotency_key: string; data: Record<string, unknown> }>(
      "select recipient, status, attempts, idempotency_key, data from public.messages where kind = 'referral_invitation' order by recipient",
    );
    expect(rows).toEqual([
      {
        recipient: 'bob@example.test',
        status: 'pending',
        attempts: 0,
        idempotency_key: `referral_invitation:${referral}:email`,
        data: expect.objectContaining({ referral_code: 'ALICE1', invite_path: '/signup?ref=ALICE1' }),
      },
      expect.objectContaining({ recipient: 'carol@example.test', status: 'sent', attempts: 1 }),
    ]);
    expect((await db.query("select to_regclass('app_private.outbox') as t")).rows).toEqual([{ t: null }]);
  });

  it('gives sessions booked before it their reminders', async () => {
    const { rows } = await db.query<{ minutes: number }>(
      `select extract(epoch from b.date_time - m.send_after)::int / 60 as minutes
         from public.messages m join public.bookings b on b.id = m.booking_id
        where m.booking_id = $1 and m.kind = 'reminder' and m.status = 'pending' order by 1`,
      [bookingId],
    );
    expect(rows.map((r) => r.minutes)).toEqual([120, 1440]);
  });
});
