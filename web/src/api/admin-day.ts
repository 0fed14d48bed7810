import { TZDate } from '@date-fns/tz';
import { api } from './client';
import type { Address } from '../auth/session';
import type { Order } from './admin-people';
import type { BookingStatus } from './bookings';

/**
 * Types and calls of the staff console's day-to-day pages (Today, Calendar, Slots): bookings with
 * who booked, slots with their places and bookings (GET /api/admin/slots), the needs-attention
 * lists, and the DST arithmetic the slot preview shares with the database's rules.
 */

export type AddOns = Record<string, boolean | number>;

export interface StaffBooking {
  id: string;
  user_id: string;
  order_id: string | null;
  slot_id: string | null;
  date_time: string;
  duration: number;
  service_type: string;
  add_ons: AddOns;
  status: BookingStatus;
  notes: string | null;
  address: Address | null;
  total_amount: number | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
  customer?: { id: string; full_name: string | null; email: string; phone: string | null } | null;
}

export interface BookingList {
  bookings: StaffBooking[];
  total: number;
  limit: number;
  offset: number;
}

export interface SlotBooking {
  id: string;
  status: BookingStatus;
  service_type: string;
  add_ons: AddOns;
  duration: number;
  date_time: string;
  customer: { id: string; full_name: string | null; phone: string | null } | null;
}

export interface StaffSlot {
  id: string;
  date: string;
  start_time: string;
  end_time: string;
  starts_at: string;
  ends_at: string;
  is_available: boolean;
  max_bookings: number;
  current_bookings: number;
  remaining: number;
  bookings: SlotBooking[];
}

export interface StaffSlots {
  timezone: string;
  slots: StaffSlot[];
}

export type RefundTo = 'card' | 'credits' | 'none';

export interface CancellationMoney {
  outcome: 'nothing_paid' | 'payment_cancelled' | 'refunded' | 'kept' | 'refund_needed';
  refund_to: RefundTo | null;
  card_cents: number;
  credits: number;
  order_id: string | null;
  order_status: string | null;
  message: string;
}

export interface RefundNeeded {
  order: Order;
  refundable_cents: number;
  card_refundable_cents: number;
  reason: string | null;
  customer: { id: string; full_name: string | null; email: string; phone: string | null } | null;
  bookings: { id: string; date_time: string; service_type: string; cancelled_at: string | null }[];
}

export interface Message {
  id: string;
  kind: string;
  channel: 'email' | 'sms';
  booking_id: string | null;
  recipient: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
}

export interface CreatedSlots {
  created: Omit<StaffSlot, 'ends_at' | 'bookings'>[];
  skipped: { date: string; start_time: string; end_time: string; problem: string }[];
  existing: number;
}

export interface RecurringRequest {
  from: string;
  to: string;
  weekdays: number[];
  day_start: string;
  day_end: string;
  slot_minutes: number;
  max_bookings: number;
}

/** The instant a local date starts in the zone (midnight, or the first instant of the day). */
export function dayStart(day: string, tz: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, tz).getTime());
}

export const staffSlots = (from: string, to: string) => api<StaffSlots>(`/api/admin/slots?from=${from}&to=${to}`);

/** Every booking whose session starts within [from, to) (instants), all pages. */
export async function bookingsBetween(from: Date, to: Date, status?: BookingStatus): Promise<StaffBooking[]> {
  const out: StaffBooking[] = [];
  for (let offset = 0; ; offset += 200) {
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: '200', offset: String(offset) });
    if (status) q.set('status', status);
    const page = await api<BookingList>(`/api/bookings?${q}`);
    out.push(...page.bookings);
    if (page.bookings.length < 200 || out.length >= page.total || offset > 5000) break;
  }
  return out.sort((a, b) => a.date_time.localeCompare(b.date_time) || a.id.localeCompare(b.id));
}

export const confirmBooking = (id: string) => api<{ booking: StaffBooking }>(`/api/admin/bookings/${id}/confirm`, { method: 'POST' });
export const completeBooking = (id: string) => api<{ booking: StaffBooking }>(`/api/admin/bookings/${id}/complete`, { method: 'POST' });
export const cancelBooking = (id: string, refund?: RefundTo) =>
  api<{ booking: StaffBooking; money: CancellationMoney }>(`/api/bookings/${id}/cancel`, { method: 'POST', body: refund ? { refund } : {} });
export const rescheduleBooking = (id: string, slotId: string) =>
  api<{ booking: StaffBooking }>(`/api/bookings/${id}/reschedule`, { method: 'POST', body: { slot_id: slotId } });
export const updateSlot = (id: string, changes: { is_available?: boolean; max_bookings?: number }) =>
  api<StaffSlot>(`/api/admin/slots/${id}`, { method: 'PATCH', body: changes });
export const deleteSlot = (id: string) => api<void>(`/api/admin/slots/${id}`, { method: 'DELETE' });
export const createSlots = (request: RecurringRequest) => api<CreatedSlots>('/api/admin/slots', { method: 'POST', body: request });

/** "Towels, Extra visits × 2" from a booking's add-ons, with names from the catalog. */
export function describeAddOns(addOns: AddOns, names: Record<string, string>): string {
  const parts = Object.entries(addOns)
    .filter(([, v]) => v !== false && v !== 0)
    .map(([k, v]) => `${names[k] ?? k.replace(/_/g, ' ')}${typeof v === 'number' ? ` × ${v}` : ''}`);
  return parts.length ? parts.join(', ') : 'none';
}

export const statusLabel: Record<BookingStatus, string> = {
  scheduled: 'Awaiting payment',
  confirmed: 'Confirmed',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

// ---------------------------------------------------------------------------------------------
// Slot preview: what a recurring set creates, and the local times a DST change skips or repeats
// (the database refuses both: nonexistent_local_time, ambiguous_local_time).
// ---------------------------------------------------------------------------------------------

export type TimeProblem = 'nonexistent_local_time' | 'ambiguous_local_time' | 'slot_in_past';

const minutesOf = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const timeOf = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function addDaysIso(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** ISO weekday, Monday 1 … Sunday 7. */
export const isoWeekday = (day: string): number => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;

/** The zone's offset (minutes east of UTC) at an instant. */
const offsetAt = (instant: number, tz: string): number => -new TZDate(instant, tz).getTimezoneOffset();

/** The instants a local date and time names in the zone: none (skipped), one, or two (repeated). */
export function instantsOf(day: string, time: string, tz: string): number[] {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, Number(time.slice(0, 2)), Number(time.slice(3, 5)));
  const offsets = new Set([offsetAt(wall - 86_400_000, tz), offsetAt(wall, tz), offsetAt(wall + 86_400_000, tz)]);
  const found = new Set<number>();
  for (const off of offsets) {
    const instant = wall - off * 60_000;
    if (offsetAt(instant, tz) === off) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/** Why a local time cannot start or end a slot, or null. */
export function localTimeProblem(day: string, time: string, tz: string): TimeProblem | null {
  const n = instantsOf(day, time, tz).length;
  return n === 0 ? 'nonexistent_local_time' : n > 1 ? 'ambiguous_local_time' : null;
}

export interface PreviewSlot {
  date: string;
  start_time: string;
  end_time: string;
  problem: TimeProblem | null;
}

export const MAX_PREVIEW_SLOTS = 5000;

/** The slots a recurring request asks for, each with the problem the database would refuse it for. */
export function previewSlots(r: RecurringRequest, tz: string, now = Date.now()): PreviewSlot[] | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.from) || !/^\d{4}-\d{2}-\d{2}$/.test(r.to) || !/^\d\d:\d\d/.test(r.day_start) || !/^\d\d:\d\d/.test(r.day_end)) return null;
  const start = minutesOf(r.day_start);
  const end = minutesOf(r.day_end);
  if (end <= start || r.slot_minutes < 10 || r.to < r.from) return null;
  const out: PreviewSlot[] = [];
  for (let day = r.from, i = 0; day <= r.to && i < 367; day = addDaysIso(day, 1), i += 1) {
    if (!r.weekdays.includes(isoWeekday(day))) continue;
    for (let t = start; t + r.slot_minutes <= end; t += r.slot_minutes) {
      const st = timeOf(t);
      const et = timeOf(t + r.slot_minutes);
      let problem: TimeProblem | null = localTimeProblem(day, st, tz) ?? localTimeProblem(day, et, tz);
      if (!problem) {
        const at = instantsOf(day, st, tz)[0]!;
        if (at < now) problem = 'slot_in_past';
      }
      out.push({ date: day, start_time: st, end_time: et, problem });
      if (out.length > MAX_PREVIEW_SLOTS) return out;
    }
  }
  return out;
}

export const problemText: Record<string, string> = {
  nonexistent_local_time: 'does not exist that day (clocks spring forward)',
  ambiguous_local_time: 'happens twice that night (clocks fall back)',
  slot_in_past: 'has already passed',
  slot_overlaps: 'overlaps a slot that is already there',
};
