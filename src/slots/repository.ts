import type { Caller, Database, Queryable } from '../db/index.js';

/** A slot as the API shows it: local date and times in the business timezone, and the instant it starts. */
export interface Slot {
  id: string;
  date: string;
  start_time: string;
  end_time: string;
  /** ISO-8601 with the business timezone's offset, e.g. 2026-12-01T09:00:00-08:00. */
  starts_at: string;
  is_available: boolean;
  max_bookings: number;
  current_bookings: number;
  remaining: number;
}

export interface NewSlot {
  date: string;
  start_time: string;
  end_time: string;
}

// starts_at is formatted in the business timezone: the transaction's TimeZone is set to it first.
// The zone is read once per query (an InitPlan), not once per row.
const businessZone = '(select public.business_timezone())';
const slotColumns = `s.id, s.date, to_char(s.start_time, 'HH24:MI') as start_time, to_char(s.end_time, 'HH24:MI') as end_time,
  to_char((s.date + s.start_time) at time zone ${businessZone}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as starts_at,
  s.is_available, s.max_bookings, s.current_bookings, s.max_bookings - s.current_bookings as remaining`;

/**
 * Sets the transaction's TimeZone to the business timezone (so starts_at carries its offset) and
 * returns the minimum notice in minutes: one statement, as availability is the hot read.
 */
export async function useBusinessTimezone(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ notice: number }>(
    "select set_config('timezone', timezone, true), min_notice_minutes as notice from public.business_settings where id",
  );
  return rows[0]?.notice ?? 0;
}

/**
 * Which of these slots cannot be created, and why: a local time a DST change skips or repeats,
 * a start in the past (slot_in_past) or an overlap with another slot (slot_overlaps). The
 * database refuses all of them anyway (trigger_availability_slots_*, availability_slots_no_overlap);
 * this asks it first so a recurring set can skip and report them. A slot that already exists at
 * the same date and start is not a problem: it is left alone.
 */
export async function slotProblems(tx: Queryable, slots: NewSlot[]): Promise<(NewSlot & { problem: string })[]> {
  const { rows } = await tx.query<NewSlot & { problem: string }>(
    `select d::text as date, to_char(st, 'HH24:MI') as start_time, to_char(et, 'HH24:MI') as end_time, p.problem
       from unnest($1::date[], $2::time[], $3::time[]) as t(d, st, et)
       cross join lateral (
         select coalesce(
           public.local_time_problem(d, st),
           public.local_time_problem(d, et),
           case
             when exists (select 1 from public.availability_slots x where x.date = d and x.start_time = st) then null
             when lower(public.slot_period(d, st, et)) < now() then 'slot_in_past'
             when exists (select 1 from public.availability_slots x where x.period && public.slot_period(d, st, et)) then 'slot_overlaps'
           end) as problem
       ) as p
      where p.problem is not null`,
    [slots.map((s) => s.date), slots.map((s) => s.start_time), slots.map((s) => s.end_time)],
  );
  return rows;
}

/**
 * Inserts slots; ones that already exist (same date and start), or that a concurrent call made
 * overlap since slotProblems looked, are left alone. Returns the new ones.
 */
export async function insertSlots(tx: Queryable, slots: NewSlot[], maxBookings: number): Promise<Slot[]> {
  const { rows } = await tx.query<Slot>(
    `with inserted as (
       insert into public.availability_slots (date, start_time, end_time, max_bookings)
       select d, st, et, $4 from unnest($1::date[], $2::time[], $3::time[]) as t(d, st, et)
       on conflict do nothing
       returning *
     )
     select ${slotColumns} from inserted s order by s.date, s.start_time`,
    [slots.map((s) => s.date), slots.map((s) => s.start_time), slots.map((s) => s.end_time), maxBookings],
  );
  return rows;
}

export async function findSlot(tx: Queryable, id: string, lock = false): Promise<Slot | undefined> {
  const { rows } = await tx.query<Slot>(
    `select ${slotColumns} from public.availability_slots s where s.id = $1${lock ? ' for no key update' : ''}`,
    [id],
  );
  return rows[0];
}

export async function updateSlot(
  tx: Queryable,
  id: string,
  changes: { is_available?: boolean; max_bookings?: number },
): Promise<Slot | undefined> {
  const { rows } = await tx.query<Slot>(
    `with updated as (
       update public.availability_slots set
         is_available = coalesce($2, is_available),
         max_bookings = coalesce($3, max_bookings)
       where id = $1 returning *
     )
     select ${slotColumns} from updated s`,
    [id, changes.is_available ?? null, changes.max_bookings ?? null],
  );
  return rows[0];
}

export async function deleteSlot(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query('delete from public.availability_slots where id = $1', [id]);
  return rowCount > 0;
}

/**
 * Bookable slots (available, not full, past the minimum notice) between two local dates, as the
 * response body {"slots": [{id, date, start_time, end_time, starts_at, remaining}]} built by the
 * database: one call (api.availability).
 */
export function openSlotsJson(db: Database, caller: Caller, from: string, to: string): Promise<string> {
  return db.callText(caller, 'api.availability', [from, to]);
}

/**
 * Staff: every slot between two local dates (open or closed) with its places and live bookings,
 * as the response body {"timezone", "slots": [...]} built by the database (api.admin_slots).
 */
export function staffSlotsJson(db: Database, caller: Caller, from: string, to: string): Promise<string> {
  return db.callText(caller, 'api.admin_slots', [from, to]);
}
