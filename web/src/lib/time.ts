import { TZDate } from '@date-fns/tz';
import { addDays, format } from 'date-fns';

/**
 * Times are always shown in the business's time zone (from GET /api/services' settings), named
 * ("PT"), whatever zone the browser is in. date-fns + @date-fns/tz do the zone arithmetic, so DST
 * days come out right.
 */
export const DEFAULT_TIMEZONE = 'America/Los_Angeles';

export const inZone = (at: string | Date, tz: string): TZDate => new TZDate(typeof at === 'string' ? new Date(at).getTime() : at.getTime(), tz);

/** "9:00 AM" */
export const formatTime = (at: string | Date, tz: string): string => format(inZone(at, tz), 'h:mm a');

/** "Friday, March 13" */
export const formatDay = (at: string | Date, tz: string): string => format(inZone(at, tz), 'EEEE, MMMM d');

/** "Fri, Mar 13, 9:00 AM PT" */
export const formatDateTime = (at: string | Date, tz: string): string => `${format(inZone(at, tz), 'EEE, MMM d, h:mm a')} ${zoneName(tz, at)}`;

/** "2026-03-13": the day, in the zone (keys for calendars and the API's from/to). */
export const dayKey = (at: string | Date, tz: string): string => format(inZone(at, tz), 'yyyy-MM-dd');

/** Today's date in the zone, as yyyy-MM-dd. */
export const todayIn = (tz: string): string => dayKey(new Date(), tz);

/** yyyy-MM-dd plus n days (calendar days, not 24-hour steps). */
export const addDaysKey = (key: string, n: number): string => format(addDays(new Date(`${key}T12:00:00Z`), n), 'yyyy-MM-dd');

/** The zone's short generic name ("PT", "ET"); falls back to the IANA name. */
export function zoneName(tz: string, at: string | Date = new Date()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'shortGeneric' }).formatToParts(new Date(at));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
  } catch {
    return tz;
  }
}

/** "$1,234.50" from cents. */
export const dollars = (cents: number): string =>
  (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: cents % 100 === 0 ? 0 : 2 });
