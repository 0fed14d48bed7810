/**
 * Data for `npm run bench:booking`, seeded with set-based SQL as the database owner: customers
 * (auth users, whose signup trigger makes the profiles), a year of slots with their booking
 * history, and a block of roomy future slots for the booking-throughput run. Also the cursor that
 * hands each booking attempt a (customer, slot) pair no earlier attempt used.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/db/index.js';
import type { Address } from '../src/profiles/repository.js';

export const BENCH_ADDRESS: Address = { street: '1 Bench Way', city: 'Los Angeles', state: 'CA', zip: '90210' };

export interface Customer {
  id: string;
  email: string;
}

/**
 * `count` customers with an address, made in one statement: inserting into auth.users fires the
 * signup trigger (profile, referral code) exactly as a real signup does.
 */
export async function seedCustomers(db: Database, count: number, tag: string): Promise<Customer[]> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Customer>(
      `insert into auth.users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, aud, role, email_confirmed_at)
       select gen_random_uuid(), format('bench-%s-%s@example.com', $2::text, n), null, jsonb_build_object('full_name', 'Bench Customer ' || n),
              '{"provider": "email", "providers": ["email"]}'::jsonb, 'authenticated', 'authenticated', now()
         from generate_series(1, $1::int) as n
       returning id, email`,
      [count, tag],
    );
    await tx.query('update public.profiles set address = $1 where id = any($2::uuid[])', [
      JSON.stringify(BENCH_ADDRESS),
      rows.map((r) => r.id),
    ]);
    return rows.sort((a, b) => a.email.localeCompare(b.email, 'en', { numeric: true }));
  });
}

/** Today's date in the business timezone, 'YYYY-MM-DD'. */
export async function businessToday(db: Database): Promise<string> {
  const { rows } = await db.query<{ today: string }>(
    "select to_char(now() at time zone public.business_timezone(), 'YYYY-MM-DD') as today",
  );
  return rows[0]!.today;
}

interface SeededSlot {
  id: string;
  /** The instant it starts, as timestamptz text. */
  starts_at: string;
}

/**
 * `perDay` hourly slots from 08:00 local on each of `days` days from `firstDay` (offset from today), in time order.
 * New slots may not start in the past (slot_in_past), so history goes in as a restore would: triggers
 * off (session_replication_role = replica), with the period the slot trigger would have set.
 */
async function insertSlots(db: Database, firstDay: number, days: number, perDay: number, maxBookings: number): Promise<SeededSlot[]> {
  const rows = await db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    const result = await tx.query<SeededSlot>(
      `with today as (select (now() at time zone public.business_timezone())::date as d),
            wanted as (
              select today.d + day as date, time '08:00' + make_interval(hours => h) as start_time,
                     time '08:00' + make_interval(hours => h, mins => 50) as end_time
                from today, generate_series($1::int, $1::int + $2::int - 1) as day, generate_series(0, $3::int - 1) as h
            )
       insert into public.availability_slots (date, start_time, end_time, max_bookings, period)
       select w.date, w.start_time, w.end_time, $4, public.slot_period(w.date, w.start_time, w.end_time) from wanted w
       returning id, public.local_to_instant(date, start_time)::text as starts_at`,
      [firstDay, days, perDay, maxBookings],
    );
    return result.rows;
  });
  return rows.sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
}

export interface YearSeed {
  slots: number;
  customers: number;
  bookings: number;
  /** Live (not cancelled) bookings, as counted into current_bookings. */
  live: number;
  /** Slots left full by the history. */
  fullSlots: number;
  seconds: number;
}

/**
 * A year of slots (`perDay` a day, from `daysBack` days ago) and `bookings` bookings spread over
 * them by `customers.length` customers, each holding at most one live booking per slot time.
 * Past-dated bookings would be refused by the bookings triggers (future_booking, the slot count),
 * so the bookings go in with `session_replication_role = replica` (triggers and FK checks off;
 * the unique indexes still hold), and current_bookings is then set from the live count in one
 * UPDATE. Slots take `baseCapacity` places, raised where the history put more on a slot (those
 * end up full, like popular times).
 */
export async function seedYear(
  db: Database,
  options: { customers: Customer[]; bookings: number; daysBack: number; days: number; perDay: number; baseCapacity: number },
): Promise<YearSeed> {
  const started = performance.now();
  const slots = await insertSlots(db, -options.daysBack, options.days, options.perDay, options.baseCapacity);
  const slotIds = slots.map((s) => s.id);
  const customerIds = options.customers.map((c) => c.id);
  const perCustomer = Math.ceil(options.bookings / customerIds.length);
  if (perCustomer > slotIds.length) throw new Error('more bookings per customer than slots');
  await db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    // Booking k: customer k mod C, its (k div C)-th slot counted from a per-customer start
    // (7c mod S): distinct slots per customer, about bookings/S bookings per slot. Arrays indexed
    // by position rather than joins, so the planner has nothing to get wrong.
    await tx.query(
      `with k as (
         select k, 1 + k % $4::int as c, 1 + ((k / $4::int) + (k % $4::int) * 7) % $5::int as s, now() as now
           from generate_series(0, $3::int - 1) as k
       )
       insert into public.bookings (user_id, slot_id, date_time, duration, service_type, add_ons, status, address,
                                    total_amount, cancelled_at, created_at, updated_at)
       select ($2::uuid[])[k.c], ($1::uuid[])[k.s], ($7::timestamptz[])[k.s], 30,
              (array['cold_plunge', 'infrared_sauna', 'combo'])[1 + k.k % 3], '{}'::jsonb,
              case when k.k % 10 = 9 then 'cancelled'
                   when ($7::timestamptz[])[k.s] < k.now then 'completed'
                   when k.k % 2 = 0 then 'confirmed'
                   else 'scheduled' end::public.booking_status,
              $6::jsonb, (array[15000, 17500, 25000])[1 + k.k % 3],
              case when k.k % 10 = 9 then ($7::timestamptz[])[k.s] - interval '3 days' end,
              ($7::timestamptz[])[k.s] - interval '14 days', ($7::timestamptz[])[k.s] - interval '14 days'
         from k`,
      [slotIds, customerIds, options.bookings, customerIds.length, slotIds.length, JSON.stringify(BENCH_ADDRESS), slots.map((s) => s.starts_at)],
    );
    await tx.query(
      `with live as (
         select b.slot_id, count(*)::int as n from public.bookings b
          where b.slot_id = any($1::uuid[]) and b.status <> 'cancelled' group by b.slot_id
       )
       update public.availability_slots a
          set current_bookings = live.n, max_bookings = greatest(a.max_bookings, live.n)
         from live where a.id = live.slot_id`,
      [slotIds],
    );
  });
  for (const table of ['public.bookings', 'public.availability_slots', 'public.profiles']) await db.query(`analyze ${table}`);
  const { rows } = await db.query<{ bookings: number; live: number; full: number }>(
    `select (select count(*)::int from public.bookings where slot_id = any($1::uuid[])) as bookings,
            (select coalesce(sum(current_bookings), 0)::int from public.availability_slots where id = any($1::uuid[])) as live,
            (select count(*)::int from public.availability_slots where id = any($1::uuid[]) and current_bookings >= max_bookings) as full`,
    [slotIds],
  );
  const counted = rows[0]!;
  return {
    slots: slotIds.length,
    customers: customerIds.length,
    bookings: counted.bookings,
    live: counted.live,
    fullSlots: counted.full,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Future slots for the booking-throughput run, each with room for every customer
 * (max_bookings = `capacity`), on days after the seeded year so they never collide with it.
 */
export async function seedRoomySlots(db: Database, options: { firstDay: number; count: number; perDay: number; capacity: number }): Promise<string[]> {
  const days = Math.ceil(options.count / options.perDay);
  const slots = await insertSlots(db, options.firstDay, days, options.perDay, options.capacity);
  await db.query('analyze public.availability_slots');
  return slots.slice(0, options.count).map((s) => s.id);
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The smallest count >= `wanted` that shares no factor with `slots` (so PairCursor covers every pair). */
export function coprimeCount(wanted: number, slots: number): number {
  let count = Math.max(1, wanted);
  while (gcd(count, slots) !== 1) count += 1;
  return count;
}

/**
 * Hands out (customer, slot) pairs that were never handed out before: attempt i books slot
 * i mod S for customer i mod C. With C and S coprime, the first C × S attempts are all different
 * pairs (Chinese remainder theorem), so no customer books the same slot time twice (that would be
 * a 409 already_booked), and concurrent attempts are for different customers and different slots
 * (a booking locks both the customer's profile and the slot row).
 */
export class PairCursor {
  private next_ = 0;
  constructor(
    readonly customers: number,
    readonly slots: number,
  ) {
    if (gcd(customers, slots) !== 1) throw new Error(`PairCursor needs coprime counts (got ${customers} and ${slots})`);
  }

  get capacity(): number {
    return this.customers * this.slots;
  }

  /** True once every pair was handed out: later pairs repeat (and are refused as already_booked). */
  get exhausted(): boolean {
    return this.next_ > this.capacity;
  }

  next(): { customer: number; slot: number } {
    const i = this.next_++;
    return { customer: i % this.customers, slot: i % this.slots };
  }
}
