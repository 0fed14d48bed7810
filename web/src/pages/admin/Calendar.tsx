import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { format } from 'date-fns';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { dayStart, describeAddOns, isoWeekday, rescheduleBooking, staffSlots, statusLabel, updateSlot, type SlotBooking, type StaffSlot } from '../../api/admin-day';
import { atLeast, useMe } from '../../auth/session';
import { Button, ErrorMessage, Notice, PageTitle, QueryState, TextField } from '../../components/ui';
import { flushSync } from 'react-dom';
import { useCatalog, useTimezone } from '../../lib/business';
import { addDaysKey, formatDay, formatTime, inZone, todayIn, zoneName } from '../../lib/time';

const route = getRouteApi('/admin/calendar');

/**
 * Day and week views of every slot (open or closed) with its places and bookings, from
 * GET /api/admin/slots. Times are the business zone's (the slot's own offset, so DST days are
 * right). A busy week (thousands of bookings) is drawn as a windowed list of fixed-height rows:
 * only the rows near the viewport are in the DOM.
 */

type Row =
  | { kind: 'day'; key: string; day: string; slots: number; booked: number; left: number }
  | { kind: 'empty'; key: string }
  | { kind: 'slot'; key: string; slot: StaffSlot }
  | { kind: 'booking'; key: string; slot: StaffSlot; booking: SlotBooking };

const HEIGHT: Record<Row['kind'], number> = { day: 56, empty: 40, slot: 56, booking: 48 };
/** Below this many rows everything is drawn; above it, only the window around the viewport. */
const WINDOW_FROM = 150;
const OVERSCAN_PX = 800;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const mondayOf = (day: string): string => addDaysKey(day, 1 - isoWeekday(day));

export function CalendarPage() {
  const tz = useTimezone();
  const search = route.useSearch();
  const today = todayIn(tz);
  const day = search.day && /^\d{4}-\d{2}-\d{2}$/.test(search.day) ? search.day : today;
  const view = search.view ?? 'week';
  const from = view === 'week' ? mondayOf(day) : day;
  const to = view === 'week' ? addDaysKey(from, 6) : day;
  const step = view === 'week' ? 7 : 1;
  const me = useMe();
  const isAdmin = atLeast(me.data?.staff_role, 'admin');
  const slots = useQuery({ queryKey: ['admin', 'slots', from, to], queryFn: () => staffSlots(from, to) });
  const [editing, setEditing] = useState<StaffSlot | null>(null);
  const [moving, setMoving] = useState<{ slot: StaffSlot; booking: SlotBooking } | null>(null);
  const onMove = useCallback((slot: StaffSlot, booking: SlotBooking) => setMoving({ slot, booking }), []);

  return (
    <section className="admin-calendar">
      <PageTitle lead={`Every slot with its places and bookings. Times in ${zoneName(tz, dayStart(from, tz))} (${tz}).`}>Calendar</PageTitle>
      <nav aria-label="Calendar view" className="row cal-toolbar">
        <Link className="btn btn-secondary" to="/admin/calendar" search={{ day, view: 'week' }} aria-current={view === 'week' ? 'page' : undefined}>
          Week
        </Link>
        <Link className="btn btn-secondary" to="/admin/calendar" search={{ day, view: 'day' }} aria-current={view === 'day' ? 'page' : undefined}>
          Day
        </Link>
        <Link className="btn btn-secondary" to="/admin/calendar" search={{ day: addDaysKey(day, -step), view }}>
          {view === 'week' ? 'Previous week' : 'Previous day'}
        </Link>
        <Link className="btn btn-secondary" to="/admin/calendar" search={{ day: undefined, view }}>
          {view === 'week' ? 'This week' : 'Today'}
        </Link>
        <Link className="btn btn-secondary" to="/admin/calendar" search={{ day: addDaysKey(day, step), view }}>
          {view === 'week' ? 'Next week' : 'Next day'}
        </Link>
      </nav>
      <h2 className="cal-range">
        {view === 'week' ? `${formatDay(dayStart(from, tz), tz)} – ${formatDay(dayStart(to, tz), tz)}` : formatDay(dayStart(day, tz), tz)}
      </h2>
      <QueryState query={slots}>
        {(data) => (
          <CalendarBody
            slots={data.slots}
            from={from}
            to={to}
            tz={tz}
            view={view}
            isAdmin={isAdmin}
            onEdit={setEditing}
            onMove={onMove}
          />
        )}
      </QueryState>
      {editing && <SlotDialog slot={editing} tz={tz} onClose={() => setEditing(null)} />}
      {moving && slots.data && <MoveDialog {...moving} slots={slots.data.slots} tz={tz} onClose={() => setMoving(null)} />}
    </section>
  );
}

function CalendarBody(props: {
  slots: StaffSlot[];
  from: string;
  to: string;
  tz: string;
  view: 'day' | 'week';
  isAdmin: boolean;
  onEdit: (s: StaffSlot) => void;
  onMove: (s: StaffSlot, b: SlotBooking) => void;
}) {
  const { slots, from, to, tz, view } = props;
  const catalog = useCatalog();
  const services = useMemo(() => Object.fromEntries((catalog.data?.services ?? []).map((s) => [s.key, s.name])), [catalog.data]);
  const addOns = useMemo(() => Object.fromEntries((catalog.data?.add_ons ?? []).map((s) => [s.key, s.name])), [catalog.data]);

  const { rows, days } = useMemo(() => {
    const byDay = new Map<string, StaffSlot[]>();
    for (const s of slots) {
      const list = byDay.get(s.date);
      if (list) list.push(s);
      else byDay.set(s.date, [s]);
    }
    const rows: Row[] = [];
    const days: Extract<Row, { kind: 'day' }>[] = [];
    for (let d = from; d <= to; d = addDaysKey(d, 1)) {
      const list = byDay.get(d) ?? [];
      let booked = 0;
      let left = 0;
      for (const s of list) {
        booked += s.current_bookings;
        if (s.is_available) left += Math.max(0, s.remaining);
      }
      const header = { kind: 'day' as const, key: `d${d}`, day: d, slots: list.length, booked, left };
      rows.push(header);
      days.push(header);
      if (list.length === 0) rows.push({ kind: 'empty', key: `e${d}` });
      for (const s of list) {
        rows.push({ kind: 'slot', key: s.id, slot: s });
        for (const b of s.bookings) rows.push({ kind: 'booking', key: b.id, slot: s, booking: b });
      }
    }
    return { rows, days };
  }, [slots, from, to]);

  const { isAdmin, onEdit, onMove } = props;
  const render = useCallback((row: Row): ReactNode => {
    switch (row.kind) {
      case 'day':
        return (
          <h3 className="cal-day">
            {formatDay(dayStart(row.day, tz), tz)}
            <span className="muted">
              {' '}
              · {plural(row.slots, 'slot')} · {row.booked} booked · {plural(row.left, 'place')} left
            </span>
          </h3>
        );
      case 'empty':
        return <p className="muted cal-empty">No slots.</p>;
      case 'slot': {
        const s = row.slot;
        return (
          <div className={`cal-slot${s.is_available ? '' : ' cal-closed'}`}>
            <span className="cal-time">
              {formatTime(s.starts_at, tz)}–{formatTime(s.ends_at, tz)} {zoneName(tz, s.starts_at)}
            </span>
            <span>
              {s.is_available ? `${s.remaining} of ${s.max_bookings} places left` : `Closed · ${s.current_bookings} booked of ${s.max_bookings}`}
            </span>
            {isAdmin && (
              <Button variant="secondary" onClick={() => onEdit(s)}>
                Manage<span className="visually-hidden"> the {formatTime(s.starts_at, tz)} slot on {s.date}</span>
              </Button>
            )}
          </div>
        );
      }
      case 'booking': {
        const b = row.booking;
        const who = b.customer?.full_name || 'Customer';
        return (
          <div className={`cal-booking cal-${b.status}`}>
            <span className="cal-who">{who}</span>
            <span className="cal-what">
              {services[b.service_type] ?? b.service_type}
              {Object.keys(b.add_ons).length > 0 && ` + ${describeAddOns(b.add_ons, addOns)}`}
            </span>
            <span className={`badge badge-${b.status}`}>{statusLabel[b.status]}</span>
            {(b.status === 'scheduled' || b.status === 'confirmed') && (
              <Button variant="secondary" onClick={() => onMove(row.slot, b)}>
                Move<span className="visually-hidden"> {who}’s booking</span>
              </Button>
            )}
          </div>
        );
      }
    }
  }, [tz, services, addOns, isAdmin, onEdit, onMove]);

  return (
    <>
      {view === 'week' && (
        <ul className="cal-week" aria-label="The week at a glance">
          {days.map((d) => (
            <li key={d.day}>
              <Link to="/admin/calendar" search={{ day: d.day, view: 'day' }}>
                <strong>{format(inZone(dayStart(d.day, props.tz), props.tz), 'EEE, MMM d')}</strong>
              </Link>
              <span className="muted">
                {plural(d.slots, 'slot')} · {d.booked} booked · {d.left} left
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted cal-count" data-testid="calendar-count">
        {plural(slots.length, 'slot')}, {plural(slots.reduce((n, s) => n + s.bookings.length, 0), 'booking')}
      </p>
      <WindowedRows rows={rows} render={render} />
    </>
  );
}

/** Fixed-height rows; past WINDOW_FROM rows only those within the viewport (plus overscan) are drawn. */
function WindowedRows({ rows, render }: { rows: Row[]; render: (row: Row) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const offsets = useMemo(() => {
    const out = new Array<number>(rows.length + 1);
    out[0] = 0;
    for (let i = 0; i < rows.length; i += 1) out[i + 1] = out[i]! + HEIGHT[rows[i]!.kind];
    return out;
  }, [rows]);
  const total = offsets[rows.length]!;
  const windowed = rows.length > WINDOW_FROM;
  const [range, setRange] = useState<[number, number]>([0, Math.min(rows.length, 60)]);

  useLayoutEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const el = ref.current;
      if (!el) return;
      const top = el.getBoundingClientRect().top; // the list's top relative to the viewport
      const startPx = -top - OVERSCAN_PX;
      const endPx = -top + window.innerHeight + OVERSCAN_PX;
      const first = Math.max(0, upperBound(offsets, startPx) - 1);
      const last = Math.min(rows.length, upperBound(offsets, endPx));
      // Drawn in this frame (not in a later task), so the rows are there when the frame paints.
      flushSync(() => setRange((r) => (r[0] === first && r[1] === last ? r : [first, last])));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [windowed, offsets, rows.length]);

  const [first, last] = windowed ? range : [0, rows.length];
  return (
    <div ref={ref} className={windowed ? 'cal-rows cal-rows-windowed' : 'cal-rows'} style={{ height: windowed ? total : undefined }}>
      {rows.slice(first, last).map((row, i) => (
        <RowView key={row.key} row={row} render={render} top={windowed ? offsets[first + i]! : undefined} />
      ))}
    </div>
  );
}

/** One row; memoised, so scrolling only draws the rows coming into the window. */
const RowView = memo(function RowView({ row, render, top }: { row: Row; render: (row: Row) => ReactNode; top?: number }) {
  return (
    <div className={`cal-row cal-row-${row.kind}`} style={{ height: HEIGHT[row.kind], transform: top === undefined ? undefined : `translateY(${top}px)` }}>
      {render(row)}
    </div>
  );
});

/** The first index whose offset is greater than x. */
function upperBound(offsets: number[], x: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A modal <dialog>: focus moves in, Escape closes it, focus goes back where it was. */
function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog ref={ref} className="cal-dialog" aria-labelledby="cal-dialog-title" onClose={onClose}>
      <h2 id="cal-dialog-title">{title}</h2>
      {children}
      <Button variant="secondary" onClick={() => ref.current?.close()}>
        Close
      </Button>
    </dialog>
  );
}

function SlotDialog({ slot, tz, onClose }: { slot: StaffSlot; tz: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState(slot);
  const [places, setPlaces] = useState(String(slot.max_bookings));
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (changes: { is_available?: boolean; max_bookings?: number }) => updateSlot(slot.id, changes),
    onSuccess: (s) => {
      setCurrent((c) => ({ ...c, ...s }));
      setSaved(s.is_available ? `Open, ${s.max_bookings} places.` : `Closed: no new bookings. ${s.current_bookings} booking(s) stay.`);
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const when = `${formatDay(current.starts_at, tz)}, ${formatTime(current.starts_at, tz)}–${formatTime(current.ends_at, tz)} ${zoneName(tz, current.starts_at)}`;
  return (
    <Dialog title={`Slot: ${when}`} onClose={onClose}>
      <p>
        {current.is_available ? 'Open' : 'Closed'} · {current.current_bookings} booked of {current.max_bookings} places.
      </p>
      <Button variant={current.is_available ? 'danger' : 'primary'} busy={save.isPending} onClick={() => save.mutate({ is_available: !current.is_available })}>
        {current.is_available ? 'Close this slot' : 'Open this slot'}
      </Button>
      <p className="field-hint">Closing stops new bookings; the bookings already in it stay (move or cancel them).</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ max_bookings: Number(places) });
        }}
      >
        <TextField
          label="Places"
          type="number"
          min={Math.max(0, current.current_bookings)}
          max={100}
          required
          value={places}
          onChange={(e) => setPlaces(e.target.value)}
          hint={`At least ${current.current_bookings} (the bookings it has).`}
        />
        <Button type="submit" busy={save.isPending}>
          Save places
        </Button>
      </form>
      {save.error && <ErrorMessage error={save.error} />}
      {saved && <Notice tone="success">{saved}</Notice>}
    </Dialog>
  );
}

function MoveDialog({ slot, booking, slots, tz, onClose }: { slot: StaffSlot; booking: SlotBooking; slots: StaffSlot[]; tz: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [now] = useState(() => Date.now());
  // The slots in view, or, once a day is picked, that day's slots (any day, not only the view's).
  const [otherDay, setOtherDay] = useState('');
  const dayQuery = useQuery({
    queryKey: ['admin', 'slots', otherDay, otherDay],
    queryFn: () => staffSlots(otherDay, otherDay),
    enabled: otherDay !== '',
  });
  const pool = otherDay ? (dayQuery.data?.slots ?? []) : slots;
  const targets = useMemo(
    () => pool.filter((s) => s.id !== slot.id && s.is_available && s.remaining > 0 && Date.parse(s.starts_at) > now),
    [pool, slot.id, now],
  );
  const [chosen, setChosen] = useState('');
  const target = targets.some((s) => s.id === chosen) ? chosen : (targets[0]?.id ?? '');
  const [moved, setMoved] = useState(false);
  const move = useMutation({
    mutationFn: () => rescheduleBooking(booking.id, target),
    onSuccess: () => {
      setMoved(true);
      void queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const label = (s: StaffSlot) => `${formatDay(s.starts_at, tz)}, ${formatTime(s.starts_at, tz)}–${formatTime(s.ends_at, tz)} ${zoneName(tz, s.starts_at)} (${s.remaining} left)`;
  const where = otherDay ? `on ${formatDay(dayStart(otherDay, tz), tz)}` : 'in this view';
  return (
    <Dialog title={`Move ${booking.customer?.full_name || 'the customer'}’s booking`} onClose={onClose}>
      <p>Now: {label(slot).replace(/ \(.*\)$/, '')}</p>
      <TextField
        label="Another day"
        type="date"
        value={otherDay}
        min={todayIn(tz)}
        hint="Leave empty for the slots in this view."
        onChange={(e) => setOtherDay(/^\d{4}-\d{2}-\d{2}$/.test(e.target.value) ? e.target.value : '')}
      />
      {otherDay && dayQuery.isPending ? (
        <p role="status">Loading the slots {where}…</p>
      ) : dayQuery.error && otherDay ? (
        <ErrorMessage error={dayQuery.error} onRetry={() => void dayQuery.refetch()} />
      ) : targets.length === 0 ? (
        <p role="status">No other open slot with places left {where}. Pick another day.</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            move.mutate();
          }}
        >
          <div className="field">
            <label htmlFor="move-target">Move to</label>
            <select id="move-target" value={target} onChange={(e) => setChosen(e.target.value)}>
              {targets.map((s) => (
                <option key={s.id} value={s.id}>
                  {label(s)}
                </option>
              ))}
            </select>
          </div>
          <p className="field-hint">The customer gets an email with the new time (and a text if they opted in); their reminders move with it.</p>
          <Button type="submit" busy={move.isPending} disabled={moved}>
            Move booking
          </Button>
        </form>
      )}
      {move.error && <ErrorMessage error={move.error} />}
      {moved && <Notice tone="success">Moved. The customer is told the new time.</Notice>}
    </Dialog>
  );
}
