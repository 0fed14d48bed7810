import { useQuery } from '@tanstack/react-query';
import { getAvailability, type Slot } from '../../api/bookings';
import { Button, ErrorMessage, Loading } from '../../components/ui';
import { formatTime, todayIn, zoneName } from '../../lib/time';

/**
 * A month calendar (days with free times marked) and the free times of the chosen day, each a
 * button named by its time in the business zone ("9:00 AM PT"). Used by Book and by Reschedule.
 */

const pad = (n: number) => String(n).padStart(2, '0');
const daysIn = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
};
export const shiftMonth = (month: string, n: number): string => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
};
const monthLabel = (month: string) => new Date(`${month}-15T12:00:00Z`).toLocaleDateString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const dayLabel = (key: string) => new Date(`${key}T12:00:00Z`).toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });
const minutesOf = (t: string) => {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
};
/** A slot's length by its local times (the server checks the real length again). */
const slotMinutes = (s: Slot) => (minutesOf(s.end_time) - minutesOf(s.start_time) + 1440) % 1440 || 1440;

export function SlotPicker(props: {
  tz: string;
  month: string;
  day: string | null;
  slotId: string | null;
  /** Minutes the session needs: shorter slots are not offered. */
  minutes: number;
  onMonth: (month: string) => void;
  onDay: (day: string) => void;
  onSlot: (slot: Slot) => void;
  /** A slot not to offer (the booking's current one, when rescheduling). */
  exclude?: string | null;
}) {
  const { tz, month, day, slotId, minutes } = props;
  const today = todayIn(tz);
  const thisMonth = today.slice(0, 7);
  const first = `${month}-01`;
  const last = `${month}-${pad(daysIn(month))}`;
  const from = first < today ? today : first;
  const query = useQuery({
    queryKey: ['availability', from, last],
    queryFn: () => getAvailability(from, last),
    enabled: from <= last,
    staleTime: 15_000,
  });
  const slots = (query.data?.slots ?? []).filter((s) => slotMinutes(s) >= minutes && s.id !== props.exclude);
  const byDay = new Map<string, Slot[]>();
  for (const s of slots) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
  const lead = (new Date(`${first}T12:00:00Z`).getUTCDay() + 6) % 7; // Monday first
  const cells: (string | null)[] = [...Array<null>(lead).fill(null), ...Array.from({ length: daysIn(month) }, (_, i) => `${month}-${pad(i + 1)}`)];
  const daySlots = day ? (byDay.get(day) ?? []) : [];
  const zone = zoneName(tz, day ? `${day}T12:00:00Z` : new Date());

  return (
    <div className="slot-picker">
      <div className="cal-head">
        <Button variant="secondary" onClick={() => props.onMonth(shiftMonth(month, -1))} disabled={month <= thisMonth}>
          Previous month
        </Button>
        <h3 aria-live="polite">{monthLabel(month)}</h3>
        <Button variant="secondary" onClick={() => props.onMonth(shiftMonth(month, 1))}>
          Next month
        </Button>
      </div>
      {query.isPending && from <= last && <Loading label="Finding free times…" />}
      <ErrorMessage error={query.error} onRetry={() => void query.refetch()} />
      <div className="cal-grid" role="group" aria-label={`Days in ${monthLabel(month)}`}>
        {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
          <span key={d} className="cal-dow" aria-hidden="true">
            {d}
          </span>
        ))}
        {cells.map((key, i) => {
          if (!key) return <span key={`blank-${i}`} />;
          const count = byDay.get(key)?.length ?? 0;
          return (
            <button
              key={key}
              type="button"
              className={`cal-day${count ? ' has-times' : ''}${key === day ? ' selected' : ''}`}
              aria-pressed={key === day}
              aria-label={`${dayLabel(key)}: ${count === 0 ? 'no free times' : count === 1 ? '1 free time' : `${count} free times`}`}
              disabled={count === 0}
              onClick={() => props.onDay(key)}
            >
              {Number(key.slice(8))}
              {count > 0 && <span className="cal-dot" aria-hidden="true" />}
            </button>
          );
        })}
      </div>
      {day && (
        <div className="times">
          <h3>
            Times on {dayLabel(day)} ({zone}, {tz.replace(/_/g, ' ')})
          </h3>
          {daySlots.length === 0 ? (
            <p className="muted">No free times that day. Pick another day.</p>
          ) : (
            <div className="time-list" role="group" aria-label="Free times">
              {daySlots.map((s) => (
                <button key={s.id} type="button" className={`time-btn${s.id === slotId ? ' selected' : ''}`} aria-pressed={s.id === slotId} onClick={() => props.onSlot(s)}>
                  {formatTime(s.starts_at, tz)} {zoneName(tz, s.starts_at)}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

