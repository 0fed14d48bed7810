import { validationFailed } from '../errors.js';
import type { NewSlot } from './repository.js';

/** 'YYYY-MM-DD' dates as plain calendar days (no timezone involved). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** ISO weekday: Monday 1 … Sunday 7. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

export const isRealDate = (date: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);

export function minutesOf(time: string): number {
  const [h = '0', m = '0'] = time.split(':');
  return Number(h) * 60 + Number(m);
}

export const timeOf = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export interface RecurringSlots {
  from: string;
  to: string;
  weekdays: number[];
  day_start: string;
  day_end: string;
  slot_minutes: number;
}

export const MAX_SLOTS_PER_CALL = 5000;
export const MAX_RECURRING_DAYS = 366;

/** Expands a weekly pattern into slots: every `slot_minutes` from day_start while the slot ends by day_end. */
export function expandRecurring(r: RecurringSlots): NewSlot[] {
  for (const field of ['from', 'to'] as const) {
    if (!isRealDate(r[field])) throw validationFailed(`${field} is not a real date`, { field });
  }
  const days = daysBetween(r.from, r.to);
  if (days < 0) throw validationFailed('to must not be before from', { field: 'to' });
  if (days >= MAX_RECURRING_DAYS) throw validationFailed(`At most ${MAX_RECURRING_DAYS} days per call`, { field: 'to' });
  const start = minutesOf(r.day_start);
  const end = minutesOf(r.day_end);
  if (end <= start) throw validationFailed('day_end must be after day_start', { field: 'day_end' });
  const slots: NewSlot[] = [];
  for (let i = 0; i <= days; i += 1) {
    const date = addDays(r.from, i);
    if (!r.weekdays.includes(isoWeekday(date))) continue;
    for (let t = start; t + r.slot_minutes <= end; t += r.slot_minutes) {
      slots.push({ date, start_time: timeOf(t), end_time: timeOf(t + r.slot_minutes) });
      if (slots.length > MAX_SLOTS_PER_CALL) throw validationFailed(`At most ${MAX_SLOTS_PER_CALL} slots per call`);
    }
  }
  return slots;
}
