import type { Queryable } from '../db/index.js';

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

/** Which of these local times cannot be slots (DST gaps and overlaps), with the reason. */
export async function localTimeProblems(tx: Queryable, slots: NewSlot[]): Promise<(NewSlot & { problem: string })[]> {
  const { rows } = await tx.query<NewSlot & { problem: string }>(
    `select d::text as date, to_char(st, 'HH24:MI') as start_time, to_char(et, 'HH24:MI') as end_time,
            coalesce(public.local_time_problem(d, st), public.local_time_problem(d, et)) as problem
       from unnest($1::date[], $2::time[], $3::time[]) as t(d, st, et)
      where coalesce(public.local_time_problem(d, st), public.local_time_problem(d, et)) is not null`,
    [slots.map((s) => s.date), slots.map((s) => s.start_time), slots.map((s) => s.end_time)],
  );
  return rows;
}

/** Inserts slots; ones that already exist (same date and start) are left alone. Returns the new ones. */
export async function insertSlots(tx: Queryable, slots: NewSlot[], maxBookings: number): Promise<Slot[]> {
  const { rows } = await tx.query<Slot>(
    `with inserted as (
       insert into public.availability_slots (date, start_time, end_time, max_bookings)
       select d, st, et, $4 from unnest($1::date[], $2::time[], $3::time[]) as t(d, st, et)
       on conflict (date, start_time) do nothing
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

/** Bookable slots: available, not full, starting at least `noticeMinutes` from now. */
export async function listOpenSlots(tx: Queryable, from: string, to: string, noticeMinutes: number): Promise<Slot[]> {
  const { rows } = await tx.query<Slot>(
    `select ${slotColumns} from public.availability_slots s
      where s.date between $1::date and $2::date
        and s.is_available and s.current_bookings < s.max_bookings
        and (s.date + s.start_time) at time zone ${businessZone} >= now() + make_interval(mins => $3)
      order by s.date, s.start_time`,
    [from, to, noticeMinutes],
  );
  return rows;
}
